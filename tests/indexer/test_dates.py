import pytest

from indexer.dates import DateLine, date_line_kind, find_date, publication_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Ngày đăng: 05/07/2012 08:30", "2012-07-05"),
        ("10/29/2012 4:34:05 PM", "2012-10-29"),
        ("Thứ sáu - 24/10/2014 11:47", "2014-10-24"),
        ("ban hành ngày 26 tháng 10 năm 2012", "2012-10-26"),
        ("2023-04-05T10:00:00+07:00", "2023-04-05"),
        ("31.12.2015", "2015-12-31"),
        ("Ngày 26/10, Sở", None),
        ("32/13/2012", None),
    ],
)
def test_find_date(text: str, iso: str | None) -> None:
    assert find_date(text) == iso


def test_date_lines() -> None:
    assert date_line_kind("Thứ 7, Ngày 03/05/2025 -") is DateLine.CLOCK
    assert date_line_kind("Ngày đăng: 05/07/2012 08:30") is DateLine.PUBLISHED
    assert date_line_kind("Tháng 9/2014, Đoàn Kiểm tra gồm Sở Tài chính") is None


def test_publication_date_skips_the_portal_clock() -> None:
    lines = ["Thứ 7, Ngày 03/05/2025 -", "", "Tiêu đề bài viết", "Ngày đăng: 05/07/2012 08:30", "Nội dung"]
    assert publication_date(lines) == "2012-07-05"
    assert publication_date(["Thứ 2, 06/01/2025 |", "Tiêu đề", "Nội dung"]) is None

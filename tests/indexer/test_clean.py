"""Chrome removal: the seed pages lose their chrome and keep every answer; invented pages too."""

from pathlib import Path

import pytest

from indexer.clean import chrome_reason, clean_text
from indexer.gazetteer import Gazetteer
from indexer.loaders import load_bytes
from indexer.metadata import build_document
from indexer.normalize import normalize_text
from tests.conftest import CORPUS

CHROME = [
    "Mặc định Cỡ chữ",
    "03/05/2025",
    "Ý kiến về Trang thông tin",
    "1180 phiếu",
    "phiếu",
    "Tổng số phiếu",
    "THÔNG KÊ TRUY CẬP",
    "Tổng lượt truy cập",
    "19816746",
    "TIN LIÊN QUAN",
    "loading",
    "Loading",
    "Đọc nhiều",
    "Go top",
    "Diện tích tỉnh Kon Tum",
    "9.690,5",
    "591.266",
    "GRDP",
    "Theo bạn",
    "Tin cùng chuyên mục",
    "CÓ THỂ BẠN QUAN TÂM",
    "Sự kiện nổi bật",
    "logo.png",
    "Người trực tuyến",
]


@pytest.fixture(scope="module")
def seed_documents():
    gazetteer = Gazetteer.load()
    return {
        p.name: build_document(p.name, load_bytes(p, p.read_bytes()), "-", 0, gazetteer)
        for p in sorted(CORPUS.iterdir())
    }


def test_seed_chrome_is_removed(seed_documents) -> None:
    for source, document in seed_documents.items():
        for chrome in CHROME:
            assert chrome not in document.text, f"{chrome!r} left in {source}"


def test_every_seed_answer_is_still_in_the_text(seed_documents, seed_questions) -> None:
    for q in seed_questions:
        if not q["answerable"]:
            continue
        text = seed_documents[q["source"]].text.lower()
        found = [normalize_text(a).lower() in text for a in q["answers"]]
        assert all(found) if q["match"] == "all" else any(found), q["id"]


def test_report_text_is_kept(seed_documents) -> None:
    kon_tum = seed_documents["kon-tum-2012-danh-gia-ha-tang-ung-dung-cntt.txt"].text
    assert "Hệ thống thư điện tử công vụ." in kon_tum  # a sub-heading between paragraphs stays
    assert kon_tum.rstrip().endswith("điều hành của UBND tỉnh đến các huyện, thành phố.")
    assert seed_documents["quang-nam-2012-may-vi-tinh-co-quan-nha-nuoc.txt"].text.endswith("Sở TT&TT Quảng Nam")


PROSE = (
    "Theo báo cáo của Sở Thông tin và Truyền thông, toàn tỉnh hiện có 245 điểm truy cập Internet công cộng "
    "phục vụ người dân ở các xã vùng sâu, vùng xa, tăng 12% so với cùng kỳ năm trước."
)
INVENTED_PAGE = f"""Cổng thông tin điện tử tỉnh Bình Phước
Chủ nhật, 12/01/2025 |
Trang chủ | Giới thiệu | Tin tức
Bản in | Gửi email | Chia sẻ
A+ A- Reset
Mở rộng mạng lưới điểm truy cập Internet công cộng
Cập nhật: 10/01/2025 09:15
{PROSE}
Các điểm truy cập được trang bị máy tính, máy in và kết nối băng thông rộng để người dân tra cứu thủ tục hành chính.
Phóng viên: Lê Hoa
Bài viết liên quan
Khai trương trung tâm dữ liệu mới
Hội thảo chuyển đổi số
Bạn đánh giá thế nào về giao diện mới của cổng thông tin?
Rất đẹp - 45 phiếu (30%)
Bình thường - 105 phiếu (70%)
Lượt xem: 2.345
Đang truy cập: 17
Đang tải...
"""


def test_invented_page_chrome_is_removed() -> None:
    text = clean_text(normalize_text(INVENTED_PAGE))
    assert PROSE in text
    assert "Các điểm truy cập được trang bị máy tính" in text
    for chrome in [
        "Bản in",
        "A+ A-",
        "Bài viết liên quan",
        "Hội thảo chuyển đổi số",
        "giao diện mới",
        "45 phiếu",
        "Lượt xem",
        "Đang truy cập",
        "Đang tải",
        "Chủ nhật, 12/01/2025",
        "Cập nhật",
    ]:
        assert chrome not in text, chrome


def test_tail_without_chrome_is_kept() -> None:
    page = f"{PROSE}\n\nDanh sách đơn vị:\n- Sở Y tế\n- Sở Tài chính"
    assert clean_text(normalize_text(page)).endswith("- Sở Tài chính")


@pytest.mark.parametrize(
    "line",
    [
        "Mặc định Cỡ chữ",
        "692 Go top",
        "In bài | Chia sẻ | Gửi email",
        "Tổng lượt truy cập: 19816746",
        "1. Đạt yêu cầu, 1180 phiếu (88 %)",
        "Tổng số phiếu: 1344",
        "TIN LIÊN QUAN",
        "Tin cùng chuyên mục",
        "loading...",
        "Thứ 7, Ngày 03/05/2025 -",
        "Theo bạn nội dung cung cấp trên cổng thông tin điện tử như thế nào?",
        "DIC-Sở Thông tin và Truyền thông tỉnh Điện Biênhttps://stttt.dienbien.gov.vn/assets/images/logo.png",
    ],
)
def test_chrome_lines(line: str) -> None:
    assert chrome_reason(line) is not None


@pytest.mark.parametrize(
    "line",
    [
        "Hệ thống thư điện tử công vụ.",
        "Tỷ lệ máy tính trên cán bộ đạt 84%, tăng so với năm 2011.",
        "Vì sao triển khai Chính quyền điện tử ở các xã gặp khó khăn?",
        PROSE,
    ],
)
def test_content_lines(line: str) -> None:
    assert chrome_reason(line) is None


def test_seed_metadata(seed_documents) -> None:
    kt = seed_documents["kon-tum-2012-danh-gia-ha-tang-ung-dung-cntt.txt"]
    assert kt.date == "2012-07-05"  # "Ngày đăng", not the portal's clock "03/05/2025"
    assert kt.title == "Đánh giá hạ tầng và tình hình ứng dụng CNTT của các sở, ban, ngành"
    assert kt.provinces[0] == "Kon Tum"
    qn = seed_documents["quang-nam-2012-may-vi-tinh-co-quan-nha-nuoc.txt"]
    assert qn.date == "2012-10-29" and qn.provinces[0] == "Quảng Nam"  # "10/29/2012 4:34:05 PM"
    assert qn.title.startswith("Quảng Nam: có 3.359 máy vi tính")
    db = seed_documents["dien-bien-2014-kiem-tra-ung-dung-cntt.txt"]
    assert db.date == "2014-10-24" and db.provinces == ("Điện Biên",)  # "Thứ sáu - 24/10/2014 11:47"
    kh = seed_documents["khanh-hoa-2012-ke-hoach-ung-dung-cntt.txt"]
    assert kh.provinces[0] == "Khánh Hòa" and kh.title.startswith("Tỉnh Khánh Hòa: Phê duyệt kế hoạch")


def test_unknown_file_title_falls_back_to_name(tmp_path: Path) -> None:
    raw = load_bytes(Path("x.txt"), b"12 | 34 | 56 | 101\n78 | 90 | 11 | 102")
    doc = build_document("bao-cao-nam-2013.txt", raw, "-", 0, Gazetteer.load())
    assert doc.title == "Bao cao nam 2013"

"""What kind of document a file is — an official report, a plan, a decision, or a news item — from its title and
its opening, the way a reader tells them apart: an official document says what it is in its heading ("BÁO CÁO",
"KẾ HOẠCH", "QUYẾT ĐỊNH", a number such as "Số: 12/BC-UBND") or its title ("Báo cáo kết quả …", "Phê duyệt kế
hoạch …", "Đánh giá hạ tầng …"); anything else is read as news.  Retrieval uses it as a mild prior only: a portal
article about a report reads much like a news item, so the kind never decides alone."""

from __future__ import annotations

import re
from enum import StrEnum

from indexer.vietnamese import fold


class DocumentKind(StrEnum):
    REPORT = "report"  # báo cáo, đánh giá, kiểm tra, tổng kết, thống kê, khảo sát
    PLAN = "plan"  # kế hoạch, đề án, chương trình, quy hoạch, chiến lược
    DECISION = "decision"  # quyết định, nghị quyết, nghị định, thông tư, chỉ thị, công văn
    NEWS = "news"  # none of these: an article, a page


OPENING_CHARS = 300  # the heading of an official document stands in its first lines

# Folded, lower case; each a word or phrase that names the kind when the title starts with it or the heading is it.
_CUES: tuple[tuple[DocumentKind, tuple[str, ...]], ...] = (
    (DocumentKind.PLAN, ("ke hoach", "de an", "chuong trinh hanh dong", "quy hoach", "chien luoc", "lo trinh")),
    (
        DocumentKind.DECISION,
        ("quyet dinh", "nghi quyet", "nghi dinh", "thong tu", "chi thi", "cong van", "phap lenh"),
    ),
    (
        DocumentKind.REPORT,
        ("bao cao", "danh gia", "kiem tra", "tong ket", "so ket", "thong ke", "khao sat"),
    ),
)
# An official number opening a line of the heading: "Số: 123/BC-UBND", "Số 45/KH-STTTT", "12/2014/QĐ-UBND" — the
# letters say the kind (a news item cites such numbers inside its sentences).
_NUMBER = re.compile(
    r"^\W*(?:so\s*:?\s*)?\d{1,5}(?:/\d{4})?/(bc|kh|qd|nq|nd|tt|ct|cv|da)-[a-z0-9-]+", re.IGNORECASE | re.MULTILINE
)
_NUMBER_KIND = {
    "bc": DocumentKind.REPORT,
    "kh": DocumentKind.PLAN,
    "da": DocumentKind.PLAN,
    "qd": DocumentKind.DECISION,
    "nq": DocumentKind.DECISION,
    "nd": DocumentKind.DECISION,
    "tt": DocumentKind.DECISION,
    "ct": DocumentKind.DECISION,
    "cv": DocumentKind.DECISION,
}
# Words a title puts before what the document is ("Tỉnh Khánh Hòa: Phê duyệt kế hoạch …", "UBND tỉnh ban hành …").
_LEAD = re.compile(r"^(?:[^:]{0,40}:\s*)?(?:(?:ubnd|ubnd tinh|tinh|so|ban|phe duyet|ban hanh|trien khai)\s+)*")


def _starts_with_cue(folded: str) -> DocumentKind | None:
    rest = folded[_LEAD.match(folded).end() :] if _LEAD.match(folded) else folded  # type: ignore[union-attr]
    for kind, cues in _CUES:
        if any(rest.startswith(cue + " ") or rest == cue for cue in cues):
            return kind
    return None


def document_kind(title: str, text: str) -> DocumentKind:
    """The kind a document's heading, official number or title gives it (NEWS when none does)."""
    opening = text[:OPENING_CHARS]
    number = _NUMBER.search(fold(opening).lower())
    if number:
        return _NUMBER_KIND[number.group(1).lower()]
    for line in opening.split("\n")[:6]:
        line = line.strip()
        if line and line.isupper() and (kind := _starts_with_cue(fold(line).lower())):
            return kind  # a heading in capitals: "BÁO CÁO", "KẾ HOẠCH ỨNG DỤNG CNTT NĂM 2012"
    return _starts_with_cue(fold(title).lower().strip()) or DocumentKind.NEWS

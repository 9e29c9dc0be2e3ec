"""Remove web-page chrome from a report's text by general rules, line by line.

Reports copied from portals carry the page around them: the portal's clock ("Thứ 7, Ngày 03/05/2025 -"),
font-size and share controls, polls, visit counters, "related news" lists, sidebars.  The rules:

1. A line is *chrome* when it is made only of interface words ("Mặc định Cỡ chữ", "692 Go top", "In bài |
   Chia sẻ"), is a clock or date line (the date is kept as metadata), a poll option or total ("1180 phiếu
   (88 %)"), a visit counter ("Tổng lượt truy cập: 19816746"), a question put to the reader ("Theo bạn …?"),
   a loading placeholder, a logo/URL line, or a heading of a related-content list ("TIN LIÊN QUAN").
2. A poll's question is the line before its options; counter blocks swallow their short lines.
3. The *tail* — every line after the last line of running prose — is dropped when it holds any chrome:
   there the page's sidebars and link lists live ("Diện tích tỉnh …", "Đọc nhiều").  A tail without
   chrome (a signature, a short closing list) is kept.
"""

from __future__ import annotations

import re

from indexer.dates import date_line_kind
from indexer.tables import PAGE_MARK, TABLE_MARK
from indexer.vietnamese import fold

_UI_TOKENS = frozenset(
    [
        "mac",
        "dinh",
        "co",
        "chu",
        "font",
        "in",
        "bai",
        "ban",
        "print",
        "email",
        "e-mail",
        "gui",
        "chia",
        "se",
        "share",
        "tweet",
        "like",
        "facebook",
        "zalo",
        "twitter",
        "binh",
        "luan",
        "luu",
        "tin",
        "phong",
        "to",
        "thu",
        "nho",
        "a",
        "go",
        "top",
        "ve",
        "dau",
        "trang",
        "len",
        "back",
        "tro",
        "lai",
        "quay",
        "xem",
        "them",
        "doc",
        "tiep",
        "loading",
        "dang",
        "tai",
        "chi",
        "tiet",
        "home",
        "rss",
        "sitemap",
        "lien",
        "he",
        "nhap",
        "ky",
        "tim",
        "kiem",
        "search",
        "menu",
        "zoom",
        "reset",
        "nghe",
        "audio",
        "copy",
        "link",
        "sao",
        "chep",
        "trang",
        "truoc",
        "sau",
        "next",
        "prev",
        "previous",
        "cd",
    ]
)
_RELATED_HEADINGS = frozenset(
    """tin lien quan|bai viet lien quan|tin bai lien quan|tin cung chuyen muc|bai cung chuyen muc|cac tin khac|
    tin khac|co the ban quan tam|ban co the quan tam|doc nhieu|doc nhieu nhat|xem nhieu|xem nhieu nhat|
    tin doc nhieu|tin xem nhieu|tin moi|tin moi nhat|tin moi cap nhat|tin noi bat|su kien noi bat|tieu diem|
    tin da dua|tu khoa|tags|tag|chu de|thu vien anh|thu vien video|lien ket website|lien ket web|
    video noi bat|tin tuc khac|bai viet khac|tin anh|binh chon|tham do y kien|thong ke truy cap|
    thong ke""".replace("\n", "").split("|")
)
_COUNTER = re.compile(
    r"(luot truy cap|dang truy cap|dang truc tuyen|nguoi truc tuyen|truc tuyen|truy cap|"
    r"luot xem|so luot|online|visitors?|hom nay|tuan nay|thang nay)"
)
_POLL = re.compile(r"(\d+\s*phieu\b|tong so phieu|\bbinh chon\b|\bbieu quyet\b|ket qua tham do|\d+\s*luot binh chon)")
_READER_QUESTION = re.compile(
    r"\b(theo ban|ban (co|nghi|thay|danh gia|quan tam|biet)|y kien cua ban|"
    r"danh gia cua ban|ban doc)\b.*\?\s*$"
)
_LOADING = re.compile(r"^(loading|dang tai|please wait|vui long cho)\W*$")
_URL = re.compile(r"(https?://\S+|www\.\S+|\S+\.(png|jpe?g|gif|svg|webp)\b)", re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]+")


def _folded(line: str) -> str:
    return fold(line).lower().strip()


def _words(line: str) -> list[str]:
    return _WORDS.findall(line)


def is_prose(line: str) -> bool:
    """A line of running text: a dozen words or more (a table is the report's own content too)."""
    return line.startswith(TABLE_MARK) or len(_words(line)) >= 12


def chrome_reason(line: str) -> str | None:
    """Why a single line is page chrome, or None when it may be content."""
    folded = _folded(line)
    if not folded or line.startswith((PAGE_MARK, TABLE_MARK)):  # a loader's page and table markers
        return None
    words = _words(folded)
    letters = [w for w in words if not w.isdigit()]
    if date_line_kind(line) is not None:
        return "date line"
    if _LOADING.match(folded):
        return "loading placeholder"
    if letters and len(words) <= 10 and all(w in _UI_TOKENS for w in letters):
        return "interface words"
    heading = " ".join(letters)
    if heading in _RELATED_HEADINGS:
        return "related-content heading"
    if _POLL.search(folded):
        return "poll"
    if _COUNTER.search(folded) and len(words) <= 12 and (any(w.isdigit() for w in words) or len(words) <= 4):
        return "visit counter"
    if _READER_QUESTION.search(folded) and len(words) <= 30:
        return "question to the reader"
    if _URL.search(line) and len(_words(_URL.sub(" ", line))) <= 12 and not re.search(r"[.!?]\s", line):
        return "logo or link"
    return None


def clean_lines(lines: list[str]) -> list[str]:
    """Keep the report's own lines; see the module docstring for the rules."""
    reasons: list[str | None] = [chrome_reason(line) for line in lines]
    # A poll's question: the short line just before the first poll option.
    for i, reason in enumerate(reasons):
        if reason == "poll":
            for j in range(i - 1, max(-1, i - 3), -1):
                asks = lines[j].rstrip().endswith(("?", ":")) and len(_words(lines[j])) <= 30
                if reasons[j] is None and lines[j].strip() and (asks or not is_prose(lines[j])):
                    reasons[j] = "poll question"
                    break
                if reasons[j] is None and lines[j].strip():
                    break
    # A counter block swallows its short lines ("Khách 143", "Thành viên 0").
    in_counter = False
    for i, reason in enumerate(reasons):
        if reason == "visit counter":
            in_counter = True
        elif in_counter and reason is None and lines[i].strip() and len(_words(lines[i])) <= 8:
            reasons[i] = "visit counter"
        elif lines[i].strip():
            in_counter = False
    prose = [i for i, line in enumerate(lines) if reasons[i] is None and is_prose(line)]
    last = prose[-1] if prose else -1
    tail = range(last + 1, len(lines))
    tail_is_chrome = bool(prose) and any(reasons[i] is not None and reasons[i] != "date line" for i in tail)
    kept = []
    for i, line in enumerate(lines):
        if reasons[i] is not None or (tail_is_chrome and i > last):
            continue
        kept.append(line)
    return kept


def clean_text(text: str) -> str:
    kept = clean_lines(text.split("\n"))
    out = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", out).strip()

"""Dates in Vietnamese reports: "05/07/2012", "10/29/2012 4:34:05 PM", "ngày 26 tháng 10 năm 2012",
"2012-10-29", and which head-of-page line is the publication date rather than the portal's clock."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

_TIME = r"(?:\s*,?\s*(?:lúc\s*)?\d{1,2}[:h]\d{2}(?::\d{2})?\s*(?:[AaPp][Mm]|SA|CH|GMT[+\d:]*)?)"
_NUMERIC = re.compile(rf"(?<!\d)(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{4}})(?!\d)({_TIME})?")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?\S*)?")
_TEXTUAL = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_WEEKDAY = re.compile(r"\b(thứ\s*(hai|ba|tư|năm|sáu|bảy|bẩy|[2-7])|chủ\s*nhật|cn)\b", re.IGNORECASE)
_LABEL = re.compile(
    r"(ngày\s*đăng|đăng\s*ngày|đăng\s*lúc|ngày\s*xuất\s*bản|xuất\s*bản|cập\s*nhật|ngày\s*cập\s*nhật|"
    r"ngày\s*ban\s*hành|published|posted|updated)\s*:?",
    re.IGNORECASE,
)


def _make(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _numeric(match: re.Match[str]) -> str | None:
    a, b, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    time = match.group(4) or ""
    us_clock = bool(re.search(r"[AaPp][Mm]", time))
    if a > 12 or (b <= 12 and not us_clock):
        return _make(year, b, a)  # Vietnamese day/month
    return _make(year, a, b)  # month/day, as .NET portals print with AM/PM


def find_date(text: str) -> str | None:
    """The first full date in `text` as ISO "YYYY-MM-DD", or None."""
    found: list[tuple[int, str]] = []
    for pattern, convert in (
        (_ISO, lambda m: _make(int(m[1]), int(m[2]), int(m[3]))),
        (_NUMERIC, _numeric),
        (_TEXTUAL, lambda m: _make(int(m[3]), int(m[2]), int(m[1]))),
    ):
        for match in pattern.finditer(text):
            value = convert(match)
            if value:
                found.append((match.start(), value))
                break
    return min(found)[1] if found else None


class DateLine(StrEnum):
    PUBLISHED = "published"  # "Ngày đăng: 05/07/2012 08:30", "Thứ sáu - 24/10/2014 11:47"
    CLOCK = "clock"  # the portal's today-date: "Thứ 7, Ngày 03/05/2025 -"


def date_line_kind(line: str) -> DateLine | None:
    """Classify a line that is only a date (with weekday, label and time); None for any other line."""
    date_match = _NUMERIC.search(line) or _ISO.search(line) or _TEXTUAL.search(line)
    if date_match is None:
        return None
    labelled = bool(_LABEL.search(line))
    rest = line[: date_match.start()] + " " + line[date_match.end() :]
    rest = _LABEL.sub(" ", _WEEKDAY.sub(" ", rest))
    rest = re.sub(r"\b(ngày|lúc)\b", " ", rest, flags=re.IGNORECASE)
    rest = re.sub(rf"{_TIME}", " ", rest)
    if len(re.sub(r"[\W_]", "", rest)) > 3:
        return None
    has_time = bool(date_match.lastindex and date_match.lastindex >= 4 and date_match.group(4)) or bool(
        re.search(r"\d{1,2}:\d{2}", line)
    )
    dangling = bool(re.search(r"[-|–,]\s*$", line.strip()))
    if labelled or (has_time and not dangling):
        return DateLine.PUBLISHED
    return DateLine.CLOCK if dangling or not has_time else DateLine.PUBLISHED


def publication_date(lines: list[str], head: int = 15) -> str | None:
    """The report's own date: a labelled date anywhere near the top, else a date line with a time,
    else a bare date line that is not the portal's clock."""
    best: tuple[int, str] | None = None
    for _i, line in enumerate(lines[:head]):
        kind = date_line_kind(line)
        if kind is None:
            label = _LABEL.search(line)
            value = find_date(line[label.end() :]) if label else None
            if value:
                return value
            continue
        value = find_date(line)
        if value is None:
            continue
        rank = 0 if _LABEL.search(line) else (1 if kind is DateLine.PUBLISHED else 2)
        if rank == 0:
            return value
        if kind is DateLine.CLOCK:
            continue
        if best is None or rank < best[0]:
            best = (rank, value)
    return best[1] if best else None

"""HTML -> plain text with one line per block, dropping page chrome that the markup itself marks."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

from indexer.dates import find_date
from indexer.tables import TABLE_MARK, RawTable, caption_before, spans_filled

_DROP_TAGS = {
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "select",
    "template",
    "head",
    "menu",
}
_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "dd",
    "dt",
    "dl",
    "hr",
    "br",
    "td",
    "th",
    "address",
    "caption",
}
_CHROME_ATTR = re.compile(
    r"(^|[-_ ])(nav|navbar|menu|breadcrumbs?|sidebar|side-bar|footer|header|share|social|comments?|related|"
    r"banner|adv?|ads|advert|poll|vote|survey|widget|counter|stats|login|search|toolbar|font-?size|print)"
    r"($|[-_ ])",
    re.IGNORECASE,
)
_CONTENT_SELECTORS = ("[itemprop=articleBody]", "article", "main", "[role=main]")


def _is_chrome(tag: Tag) -> bool:
    if tag.name in _DROP_TAGS:
        return True
    attrs = " ".join([tag.get("id") or "", *(tag.get("class") or [])])  # type: ignore[list-item]
    return bool(attrs.strip()) and bool(_CHROME_ATTR.search(attrs)) and tag.name not in ("body", "html")


_MAX_CELL = 400  # a cell longer than this is page layout, not a figure


def _span(cell: Tag, name: str) -> int:
    try:
        return max(1, min(int(str(cell.get(name) or 1).strip() or 1), 100))
    except ValueError:
        return 1


def data_table(table: Tag) -> RawTable | None:
    """A <table> that holds data (rows of short cells, no table inside), as a grid; None for a layout table."""
    if table.find("table") is not None:
        return None
    rows: list[list[tuple[str, int, int]]] = []
    header_rows = 0
    counting = True
    for tr in table.find_all("tr"):
        cells = [c for c in tr.find_all(["td", "th"], recursive=False)]
        if not cells:
            continue
        texts = [" ".join(c.get_text(" ", strip=True).split()) for c in cells]
        if any(len(t) > _MAX_CELL for t in texts):
            return None
        rows.append([(t, _span(c, "colspan"), _span(c, "rowspan")) for t, c in zip(texts, cells, strict=True)])
        in_head = tr.find_parent("thead") is not None or all(c.name == "th" for c in cells)
        if counting and in_head:
            header_rows += 1
        else:
            counting = False
    if len(rows) < 2:
        return None
    caption = table.find("caption")
    caption_text = " ".join(caption.get_text(" ", strip=True).split()) if caption else ""
    return RawTable(spans_filled(rows), header_rows or None, caption_text)


def _walk(node: Tag, out: list[str], tables: list[RawTable] | None = None) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if child.__class__.__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction"):
                continue
            out.append(str(child))
        elif isinstance(child, Tag):
            if _is_chrome(child):
                continue
            if child.name == "table" and tables is not None:
                table = data_table(child)
                if table is not None:
                    if not table.caption:
                        lines = "".join(out).split("\n")
                        table = RawTable(table.grid, table.header_rows, caption_before(lines))
                    tables.append(table)
                    out.append(f"\n{TABLE_MARK}{len(tables) - 1}\n")
                    continue
            block = child.name in _BLOCK_TAGS
            if block:
                out.append("\n")
            _walk(child, out, tables)
            if block:
                out.append("\n")


def html_to_text(html: str) -> tuple[str, str | None, str | None, list[RawTable]]:
    """Returns (text, title, date, tables) of an HTML page; the text has a TABLE_MARK line where each data table
    stands."""
    soup = BeautifulSoup(html, "lxml")
    title = None
    for candidate in (soup.find("meta", property="og:title"), soup.find("h1"), soup.find("title")):
        if candidate is None:
            continue
        value = candidate.get("content") if candidate.name == "meta" else candidate.get_text(" ", strip=True)
        if value and str(value).strip():
            title = " ".join(str(value).split())
            break
    date = None
    for meta in soup.find_all("meta"):
        key = str(meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in ("article:published_time", "datepublished", "pubdate", "date", "dc.date.issued"):
            date = find_date(str(meta.get("content") or ""))
            if date:
                break
    if date is None:
        time_tag = soup.find("time", attrs={"datetime": True})
        if time_tag is not None:
            date = find_date(str(time_tag["datetime"]))
    root: Tag = soup.body or soup
    for selector in _CONTENT_SELECTORS:
        found = soup.select_one(selector)
        if found is not None and len(found.get_text(strip=True)) > 200:
            root = found
            break
    parts: list[str] = []
    tables: list[RawTable] = []
    _walk(root, parts, tables)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    text = "\n".join(line for line in lines if line)
    if title and root is not soup.body and not text.startswith(title):
        text = f"{title}\n{text}"
    return text, title, date, tables

"""Loaders for every supported format, on files made here."""

import io
from pathlib import Path

import pytest

from indexer.errors import SkipFile
from indexer.loaders import load_bytes
from indexer.tables import TABLE_MARK
from indexer.types import SourceFormat

BODY = "Quảng Nam có 19 điểm cầu hội nghị truyền hình, tổng số máy vi tính là 3.359 máy."


def make_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with a Helvetica text layer (ASCII text), or no text when lines is empty."""
    content = "BT /F1 12 Tf 50 750 Td " + " ".join(f"({line}) Tj 0 -16 Td" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def make_docx(title: str, paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_txt() -> None:
    raw = load_bytes(Path("a.txt"), BODY.encode())
    assert raw.text == BODY and raw.format is SourceFormat.TEXT


def test_markdown() -> None:
    md = f"# Báo cáo **CNTT** Quảng Nam\n\n{BODY} Xem [trang](http://x.vn).\n\n![ảnh](a.png)"
    raw = load_bytes(Path("a.md"), md.encode())
    assert raw.title == "Báo cáo CNTT Quảng Nam"
    assert BODY in raw.text and "http" not in raw.text and "**" not in raw.text


def test_html_drops_markup_chrome_and_keeps_inline_text() -> None:
    html = f"""<html><head><title>Báo cáo CNTT</title><meta charset="utf-8">
    <meta property="article:published_time" content="2012-10-29T16:34:05+07:00"><style>p{{}}</style></head>
    <body><nav><a href="/">Trang chủ</a> | <a>Tin tức</a></nav>
    <div class="sidebar"><p>Dân số tỉnh: 591.266 người</p></div>
    <article><h1>Quảng Nam: có 3.359 máy vi tính</h1>
    <p>Quảng Nam có <b>19</b> điểm cầu hội nghị truyền hình,<br>tổng số máy vi tính là 3.359 máy.</p>
    <p>{BODY * 3}</p></article>
    <footer>© Cổng thông tin</footer><script>var x = 1;</script></body></html>"""
    raw = load_bytes(Path("a.html"), html.encode())
    assert raw.title == "Quảng Nam: có 3.359 máy vi tính"
    assert raw.date == "2012-10-29"
    assert "Quảng Nam có 19 điểm cầu hội nghị truyền hình," in raw.text
    for chrome in ("Trang chủ", "591.266", "Cổng thông tin", "var x"):
        assert chrome not in raw.text


def test_html_in_windows_1258_charset() -> None:
    html = '<html><head><meta charset="windows-1258"></head><body><p>Khánh Hòa</p></body></html>'
    import unicodedata

    from tests.indexer.test_decoding import _cp1258

    raw = load_bytes(Path("a.htm"), _cp1258(html))
    assert "Khánh Hòa" in unicodedata.normalize("NFC", raw.text)


def test_pdf_with_text_layer() -> None:
    raw = load_bytes(Path("a.pdf"), make_pdf(["Quang Nam report 2012", "There are 19 video conference points."]))
    assert raw.format is SourceFormat.PDF
    assert "19 video conference points" in raw.text


def test_pdf_without_text_layer_is_skipped() -> None:
    with pytest.raises(SkipFile, match="no text layer"):
        load_bytes(Path("scan.pdf"), make_pdf([]))


def test_broken_pdf_is_skipped() -> None:
    with pytest.raises(SkipFile, match="PDF"):
        load_bytes(Path("bad.pdf"), b"%PDF-1.4\nthis is not a pdf at all" * 10)


def test_docx_with_heading_and_table() -> None:
    data = make_docx("Báo cáo Kon Tum", [BODY], [["Đơn vị", "Máy chủ"], ["Cấp tỉnh", "67"]])
    raw = load_bytes(Path("a.docx"), data)
    assert raw.title == "Báo cáo Kon Tum"
    assert BODY in raw.text and f"{TABLE_MARK}0" in raw.text.split("\n")  # where the table stands
    assert [table.grid for table in raw.tables] == [(("Đơn vị", "Máy chủ"), ("Cấp tỉnh", "67"))]


def test_not_a_docx_is_skipped() -> None:
    with pytest.raises(SkipFile, match="DOCX"):
        load_bytes(Path("a.docx"), b"PK\x03\x04 not really a zip" * 20)


def test_empty_and_unsupported() -> None:
    with pytest.raises(SkipFile, match="empty"):
        load_bytes(Path("a.txt"), b"  \n\t ")
    with pytest.raises(SkipFile, match="unsupported"):
        load_bytes(Path("a.xlsx"), b"data")

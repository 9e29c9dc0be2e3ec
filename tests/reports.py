"""Report files made here, the way provinces publish them: Word with a district table, PDF with a plan/actual
table, the same PDF scanned (rendered to an image, wrapped as an image-only PDF), a portal page with a table by
year, Markdown.  Used by the tests, benchmarks/index_pages.py and benchmarks/pdf_ocr_choice.py.

Every figure the questions ask for sits in a table cell only, beside decoy cells in the same row and column;
the text around the tables gives other figures of the same kind (a target for the next year) so an answer
read from the prose instead of the cell is wrong.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class HeaderCell:
    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class TableSpec:
    """A table as a report writes it: header rows with merged cells (cells covered by a span are left out of
    the later rows, as in HTML), body rows, a caption above and a note below."""

    caption: str
    header: list[list[HeaderCell]]
    rows: list[list[str]]
    note: str = ""

    @property
    def width(self) -> int:
        return sum(c.colspan for c in self.header[0])

    def header_grid(self) -> list[list[str]]:
        """The header rows with every merged cell's text in each position it covers."""
        grid: list[list[str | None]] = [[None] * self.width for _ in self.header]
        for r, row in enumerate(self.header):
            c = 0
            for cell in row:
                while grid[r][c] is not None:
                    c += 1
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        grid[r + dr][c + dc] = cell.text
                c += cell.colspan
        return [[x or "" for x in row] for row in grid]

    def grid(self) -> list[list[str]]:
        return self.header_grid() + [list(r) for r in self.rows]

    def flat_header(self) -> list[str]:
        """One header row: each column's header path joined ("Năm 2021 - Kế hoạch")."""
        grid = self.header_grid()
        out = []
        for c in range(self.width):
            path: list[str] = []
            for row in grid:
                if row[c] and row[c] not in path:
                    path.append(row[c])
            out.append(" - ".join(path))
        return out


@dataclass(frozen=True)
class Report:
    """Blocks in order: ("h", text), ("p", text) or ("t", TableSpec)."""

    title: str
    blocks: list[tuple[str, object]] = field(default_factory=list)

    def paragraphs(self) -> list[str]:
        return [str(b) for kind, b in self.blocks if kind in ("h", "p")]


# -- the reports ---------------------------------------------------------------------------------------

INTRO = (
    "Thực hiện Kế hoạch số 112/KH-UBND của Ủy ban nhân dân tỉnh Đắk Lắk về ứng dụng công nghệ thông tin trong "
    "hoạt động của cơ quan nhà nước, Sở Thông tin và Truyền thông báo cáo kết quả rà soát hạ tầng kỹ thuật tại các "
    "huyện, thị xã, thành phố như sau."
)
AFTER = (
    "Nhìn chung, hạ tầng công nghệ thông tin cấp huyện đã được đầu tư đồng bộ; tuy vậy một số đơn vị còn thiếu "
    "cán bộ chuyên trách, đường truyền chưa ổn định và kinh phí bảo trì thiết bị còn hạn chế."
)

DISTRICTS = TableSpec(
    caption="Biểu 1. Hạ tầng CNTT cấp huyện",
    header=[
        [
            HeaderCell("STT"),
            HeaderCell("Đơn vị"),
            HeaderCell("Số máy tính"),
            HeaderCell("Số máy chủ"),
            HeaderCell("Cán bộ chuyên trách (người)"),
            HeaderCell("Tỷ lệ kết nối Internet (%)"),
        ],
    ],
    rows=[
        ["1", "Thành phố Buôn Ma Thuột", "1.286", "14", "9", "100"],
        ["2", "Thị xã Buôn Hồ", "356", "5", "3", "98"],
        ["3", "Huyện Krông Pắc", "412", "3", "2", "95"],
        ["4", "Huyện Ea Kar", "389", "4", "2", "93"],
        ["5", "Huyện Cư M'gar", "347", "2", "1", "91"],
        ["", "Tổng cộng", "2.790", "28", "17", "96"],
    ],
    note="Năm 2026 phấn đấu mỗi huyện có ít nhất 450 máy tính và 5 máy chủ.",
)

PLAN_ACTUAL = TableSpec(
    caption="Biểu 2. Kết quả thực hiện chỉ tiêu ứng dụng CNTT",
    header=[
        [
            HeaderCell("TT", rowspan=2),
            HeaderCell("Chỉ tiêu", rowspan=2),
            HeaderCell("Năm 2020", colspan=2),
            HeaderCell("Năm 2021", colspan=2),
        ],
        [HeaderCell("Kế hoạch"), HeaderCell("Thực hiện"), HeaderCell("Kế hoạch"), HeaderCell("Thực hiện")],
    ],
    rows=[
        ["1", "Dịch vụ công trực tuyến mức độ 3, 4", "320", "305", "450", "472"],
        ["2", "Hồ sơ giải quyết trực tuyến", "12.000", "10.850", "20.000", "23.615"],
        ["3", "Điểm cầu hội nghị truyền hình", "20", "18", "30", "27"],
    ],
    note="Kế hoạch năm 2022: 600 dịch vụ công trực tuyến mức độ 3, 4 và 35 điểm cầu hội nghị truyền hình.",
)

BY_YEAR = TableSpec(
    caption="Số liệu phát triển chính quyền điện tử tỉnh Đắk Lắk qua các năm",
    header=[[HeaderCell("Chỉ tiêu"), HeaderCell("2019"), HeaderCell("2020"), HeaderCell("2021"), HeaderCell("2022")]],
    rows=[
        ["Số văn bản điện tử gửi nhận (nghìn văn bản)", "215", "348", "402", "517"],
        ["Số thủ tục hành chính trực tuyến", "96", "141", "188", "246"],
        ["Số cơ quan dùng chữ ký số", "42", "57", "63", "71"],
    ],
    note="Năm 2023 tỉnh đặt mục tiêu 600 nghìn văn bản điện tử.",
)


def district_report() -> Report:
    return Report(
        "Báo cáo hạ tầng công nghệ thông tin cấp huyện tỉnh Đắk Lắk năm 2025",
        [
            ("h", "Báo cáo hạ tầng công nghệ thông tin cấp huyện tỉnh Đắk Lắk năm 2025"),
            ("p", INTRO),
            ("t", DISTRICTS),
            ("p", AFTER),
        ],
    )


GIA_LAI_DISTRICTS = TableSpec(
    caption="Biểu 1. Hạ tầng CNTT cấp huyện",
    header=DISTRICTS.header,
    rows=[
        ["1", "Thành phố Pleiku", "1.512", "16", "11", "100"],
        ["2", "Thị xã An Khê", "298", "4", "2", "97"],
        ["3", "Huyện Chư Păh", "276", "2", "2", "90"],
        ["", "Tổng cộng", "2.086", "22", "15", "96"],
    ],
)


def gia_lai_district_report() -> Report:
    """Another province's report with the same table: a question about a place in Đắk Lắk must not be answered
    from it."""
    title = "Báo cáo hạ tầng công nghệ thông tin cấp huyện tỉnh Gia Lai năm 2025"
    intro = INTRO.replace("Đắk Lắk", "Gia Lai")
    return Report(title, [("h", title), ("p", intro), ("t", GIA_LAI_DISTRICTS), ("p", AFTER)])


def plan_report() -> Report:
    return Report(
        "Báo cáo kết quả ứng dụng CNTT tỉnh Đắk Lắk giai đoạn 2020-2021",
        [
            ("h", "Báo cáo kết quả ứng dụng CNTT tỉnh Đắk Lắk giai đoạn 2020-2021"),
            (
                "p",
                "Năm 2020 và năm 2021, các sở, ban, ngành đã triển khai các chỉ tiêu ứng dụng công nghệ thông tin "
                "theo kế hoạch được giao; kết quả cụ thể tại Biểu 2 dưới đây.",
            ),
            ("t", PLAN_ACTUAL),
            ("p", AFTER),
        ],
    )


def portal_report() -> Report:
    return Report(
        "Đắk Lắk đẩy mạnh chuyển đổi số trong cơ quan nhà nước",
        [
            ("h", "Đắk Lắk đẩy mạnh chuyển đổi số trong cơ quan nhà nước"),
            (
                "p",
                "Những năm qua, tỉnh Đắk Lắk chú trọng xây dựng chính quyền điện tử, từng bước chuyển đổi số trong "
                "hoạt động chỉ đạo, điều hành của các cơ quan nhà nước.",
            ),
            ("t", BY_YEAR),
            ("p", AFTER),
        ],
    )


SCANNED_TEXT = [
    "Trong năm 2024, toàn tỉnh Gia Lai đã triển khai hệ thống một cửa điện tử tại 220 xã, phường, thị trấn.",
    "Tỉnh đã cấp 1.745 chứng thư số cho cán bộ, công chức và kết nối mạng truyền số liệu chuyên dùng tới "
    "17 huyện, thị xã, thành phố.",
    "Kinh phí đầu tư cho ứng dụng công nghệ thông tin năm 2024 là 38,5 tỷ đồng, tăng 12% so với năm trước.",
    "Đội ngũ cán bộ chuyên trách công nghệ thông tin của tỉnh có 86 người, trong đó 14 người có trình độ thạc sĩ.",
]


def scanned_report() -> Report:
    """A signed-and-stamped report that reaches people only as a scan (its figures are nowhere else)."""
    title = "Báo cáo tình hình ứng dụng công nghệ thông tin tỉnh Gia Lai năm 2024"
    return Report(title, [("h", title), *[("p", t) for t in SCANNED_TEXT]])


# -- writers ---------------------------------------------------------------------------------------------


def docx_bytes(report: Report) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = report.title
    for kind, block in report.blocks:
        if kind == "h":
            document.add_heading(str(block), level=1)
        elif kind == "p":
            document.add_paragraph(str(block))
        else:
            spec = block
            assert isinstance(spec, TableSpec)
            document.add_paragraph(spec.caption)
            table = document.add_table(rows=len(spec.header) + len(spec.rows), cols=spec.width)
            table.style = "Table Grid"
            taken: set[tuple[int, int]] = set()
            for r, row in enumerate(spec.header):
                c = 0
                for cell in row:
                    while (r, c) in taken:
                        c += 1
                    first = table.cell(r, c)
                    last = table.cell(r + cell.rowspan - 1, c + cell.colspan - 1)
                    merged = first.merge(last) if (cell.rowspan, cell.colspan) != (1, 1) else first
                    merged.text = cell.text
                    taken.update((r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
                    c += cell.colspan
            for r, row in enumerate(spec.rows, start=len(spec.header)):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
            if spec.note:
                document.add_paragraph(spec.note)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(report: Report, font_size: float = 11, pages: int = 1) -> bytes:
    """A PDF with a DejaVu text layer; tables drawn with ruling lines, merged header cells spanning.  With
    `pages` > 1 the report is written that many times, one copy a page."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.set_title(report.title)
    pdf.set_margins(20, 20, 20)
    for _ in range(pages):
        pdf.add_page()
        for kind, block in report.blocks:
            if kind == "h":
                pdf.set_font("DejaVu", "B", font_size + 2)
                pdf.multi_cell(0, 8, str(block), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
            elif kind == "p":
                pdf.set_font("DejaVu", "", font_size)
                pdf.multi_cell(0, 6, str(block), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
            else:
                spec = block
                assert isinstance(spec, TableSpec)
                pdf.set_font("DejaVu", "B", font_size)
                pdf.multi_cell(0, 7, spec.caption, new_x="LMARGIN", new_y="NEXT")
                pdf.set_font("DejaVu", "", font_size - 1)
                widths = [1 if h in ("STT", "TT") else 2 for h in spec.header_grid()[0]]
                label = next(i for i, w in enumerate(widths) if w == 2)
                widths[label] = 5
                with pdf.table(
                    num_heading_rows=len(spec.header), text_align="LEFT", line_height=6, col_widths=widths
                ) as table:
                    for header_row in spec.header:
                        row = table.row()
                        for cell in header_row:
                            row.cell(cell.text, colspan=cell.colspan, rowspan=cell.rowspan)
                    for body_row in spec.rows:
                        row = table.row()
                        for value in body_row:
                            row.cell(value)
                pdf.ln(2)
                if spec.note:
                    pdf.set_font("DejaVu", "", font_size)
                    pdf.multi_cell(0, 6, spec.note, new_x="LMARGIN", new_y="NEXT")
                    pdf.ln(2)
    return bytes(pdf.output())


def html_text(report: Report, chrome: bool = True) -> str:
    """A portal page: menus and share links around the article, the table with <thead> and merged <th>."""
    parts = [f"<html><head><meta charset='utf-8'><title>{report.title}</title></head><body>"]
    if chrome:
        parts.append("<nav><a href='/'>Trang chủ</a> | <a>Tin tức</a> | <a>Liên hệ</a></nav>")
        parts.append("<div class='font-size'>Mặc định Cỡ chữ</div>")
    parts.append("<article>")
    for kind, block in report.blocks:
        if kind == "h":
            parts.append(f"<h1>{block}</h1>")
        elif kind == "p":
            parts.append(f"<p>{block}</p>")
        else:
            spec = block
            assert isinstance(spec, TableSpec)
            parts.append(f"<p><strong>{spec.caption}</strong></p><table border='1'><thead>")
            for row in spec.header:
                cells = "".join(f"<th colspan='{c.colspan}' rowspan='{c.rowspan}'>{c.text}</th>" for c in row)
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</thead><tbody>")
            for body in spec.rows:
                parts.append("<tr>" + "".join(f"<td>{v}</td>" for v in body) + "</tr>")
            parts.append("</tbody></table>")
            if spec.note:
                parts.append(f"<p><em>{spec.note}</em></p>")
    parts.append("</article>")
    if chrome:
        parts.append("<div class='share'>In bài | Chia sẻ | Gửi email</div><footer>Cổng thông tin điện tử</footer>")
    parts.append("</body></html>")
    return "\n".join(parts)


def markdown_text(report: Report) -> str:
    out = []
    for kind, block in report.blocks:
        if kind == "h":
            out.append(f"# {block}\n")
        elif kind == "p":
            out.append(f"{block}\n")
        else:
            spec = block
            assert isinstance(spec, TableSpec)
            out.append(f"**{spec.caption}**\n")
            header = spec.flat_header()
            out.append("| " + " | ".join(header) + " |")
            out.append("|" + "|".join("---" for _ in header) + "|")
            out.extend("| " + " | ".join(row) + " |" for row in spec.rows)
            out.append("")
            if spec.note:
                out.append(f"{spec.note}\n")
    return "\n".join(out)


# -- scans ---------------------------------------------------------------------------------------------


def have_pdftoppm() -> bool:
    return shutil.which("pdftoppm") is not None


def render_pages(pdf: bytes, dpi: int, gray: bool = True) -> list[bytes]:
    """The PDF's pages as PNG images at `dpi` (poppler's pdftoppm, as a scanner's output stands in)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        args = ["pdftoppm", "-r", str(dpi), "-png"] + (["-gray"] if gray else []) + [str(src), f"{tmp}/page"]
        subprocess.run(args, check=True, capture_output=True)
        return [p.read_bytes() for p in sorted(Path(tmp).glob("page*.png"))]


def image_pdf(images: list[bytes], dpi: int) -> bytes:
    """An image-only PDF (no text layer), one image a page: what a scanner writes."""
    from PIL import Image

    frames = [Image.open(io.BytesIO(data)).convert("L") for data in images]
    out = io.BytesIO()
    frames[0].save(out, "PDF", resolution=float(dpi), save_all=True, append_images=frames[1:])
    return out.getvalue()


def scanned_pdf(report: Report, dpi: int = 200, pages: int = 1) -> bytes:
    return image_pdf(render_pages(pdf_bytes(report, pages=pages), dpi), dpi)

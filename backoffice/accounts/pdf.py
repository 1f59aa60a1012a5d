"""PDF exports (statements, subject access) with fpdf2, pure Python.

Names are Estonian and Russian (õ, ä, š, ж, щ ...): the PDF core fonts cannot show them, so the
DejaVu TrueType fonts are embedded. They come from Debian's fonts-dejavu-core, found in the
folder `accounts.pdf_font_dir` names; without them an export stops with a message that says
what to install.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..errors import ServiceError

REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"


class PdfUnavailable(ServiceError):
    status = 503
    code = "pdf-unavailable"


def fonts(font_dir: str) -> tuple[Path, Path]:
    folder = Path(font_dir)
    regular, bold = folder / REGULAR, folder / BOLD
    if not regular.is_file() or not bold.is_file():
        raise PdfUnavailable(
            f"PDF export needs the DejaVu fonts ({REGULAR}, {BOLD}) in {folder}: install "
            "Debian's fonts-dejavu-core (apt-get install fonts-dejavu-core) or point "
            "accounts.pdf_font_dir at a folder that has them"
        )
    return regular, bold


@dataclass(frozen=True)
class Letterhead:
    """What every page of a document carries, in the reader's words: who issued it (the prison)
    at the top; at the bottom when and by whom it was printed and "page 2 of 5", where
    `page_words` holds the placeholders {page} and {pages}."""

    issuer: str
    printed: str
    page_words: str


class _Pages(FPDF):  # type: ignore[misc]
    """FPDF with the letterhead drawn on each page as it is added."""

    def __init__(self, letterhead: Letterhead) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.letterhead = letterhead

    def header(self) -> None:
        self.set_font("DejaVu", "B", 9)
        self.cell(0, 5, self.letterhead.issuer, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(160, 160, 160)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(4)
        self.set_font("DejaVu", "", 9)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", "", 7)
        self.cell(0, 4, self.letterhead.printed, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pages = self.letterhead.page_words.format(
            page=self.page_no(), pages=self.str_alias_nb_pages
        )
        self.cell(0, 4, pages, align="R")


class Document:
    """A plain A4 document with margins a printer keeps: the letterhead on every page, a title,
    key-value lines, and tables that break over pages with their header repeated."""

    def __init__(self, font_dir: str, title: str, letterhead: Letterhead) -> None:
        regular, bold = fonts(font_dir)
        self.pdf = _Pages(letterhead)
        self.pdf.set_title(title)
        self.pdf.set_creator("Cellgate")
        self.pdf.set_author(letterhead.issuer)
        self.pdf.add_font("DejaVu", "", str(regular))
        self.pdf.add_font("DejaVu", "B", str(bold))
        self.pdf.set_margins(left=18, top=15, right=18)
        self.pdf.set_auto_page_break(auto=True, margin=20)
        self.pdf.add_page()
        self.pdf.set_font("DejaVu", "B", 14)
        self.pdf.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_font("DejaVu", "", 9)

    def heading(self, text: str) -> None:
        self.pdf.ln(2)
        self.pdf.set_font("DejaVu", "B", 11)
        self.pdf.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_font("DejaVu", "", 9)

    def line(self, text: str) -> None:
        self.pdf.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def fields(self, pairs: Sequence[tuple[str, str]]) -> None:
        for name, value in pairs:
            self.pdf.set_font("DejaVu", "B", 9)
            self.pdf.cell(45, 5, name)
            self.pdf.set_font("DejaVu", "", 9)
            self.pdf.multi_cell(0, 5, value or "-", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        right: Sequence[int] = (),
    ) -> None:
        def head() -> None:
            self.pdf.set_font("DejaVu", "B", 8)
            for header, width in zip(headers, widths, strict=True):
                self.pdf.cell(width, 6, header, border="B")
            self.pdf.ln()
            self.pdf.set_font("DejaVu", "", 8)

        head()
        for row in rows:
            if self.pdf.get_y() > self.pdf.h - self.pdf.b_margin - 6:
                self.pdf.add_page()
                head()
            for n, (value, width) in enumerate(zip(row, widths, strict=True)):
                text = value
                while text and self.pdf.get_string_width(text) > width - 1:
                    text = text[:-1]
                self.pdf.cell(width, 5, text, align="R" if n in right else "L")
            self.pdf.ln()

    def output(self) -> bytes:
        return bytes(self.pdf.output())

"""A printable A4 report document (fpdf2) with a title in every page's header,
page numbers in the footer, headings, paragraphs and tables.

The built-in Helvetica covers Windows-1252 only, so text is made safe for it
(see ``pdf_text``); given a TrueType font (``MUSTER_PDF_FONT``), the document
embeds it and prints every script the font has.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from muster.reporting.pdf_text import ENCODING, built_in_safe, printable

MARGIN = 15.0
BODY_PT, SMALL_PT, HEADING_PT, TITLE_PT = 9.0, 7.5, 12.0, 15.0
_BUILT_IN = "helvetica"
_EMBEDDED = "muster-text"
Rows = Sequence[Sequence[str]]
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))


class ReportDocument(FPDF):
    """An A4 document whose every page carries ``title``."""

    def __init__(self, *, title: str, font: Path | None) -> None:
        super().__init__(format="A4", unit="mm")
        self.core_fonts_encoding = ENCODING
        self.text_family = _BUILT_IN
        if font is not None:
            # One face for both styles: headings stand out by size instead.
            self.add_font(_EMBEDDED, "", font)
            self.add_font(_EMBEDDED, "B", font)
            self.text_family = _EMBEDDED
        self.page_title = title
        self.set_margins(MARGIN, MARGIN + 4, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 2)
        self.set_title(self.normalize_text(title))
        self.set_creator("Muster")

    def normalize_text(self, text: str) -> str:
        clean = printable(text) if self.is_ttf_font else built_in_safe(text)
        return super().normalize_text(clean)

    def header(self) -> None:
        self.set_font(self.text_family, "", SMALL_PT)
        self.set_text_color(90)
        self.set_y(MARGIN - 6)
        self.cell(0, 4, self.page_title, align="L")
        self.set_text_color(0)
        self.set_y(MARGIN + 4)

    def footer(self) -> None:
        self.set_y(-MARGIN + 2)
        self.set_font(self.text_family, "", SMALL_PT)
        self.set_text_color(90)
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0)

    def heading(self, text: str, size: float = HEADING_PT) -> None:
        if self.will_page_break(25):
            self.add_page()
        self.ln(2)
        self.set_font(self.text_family, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.text_family, "", BODY_PT)
        self.ln(1)

    def paragraph(self, text: str, *, size: float = BODY_PT) -> None:
        self.set_font(self.text_family, "", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(
        self, headings: Sequence[str] | None, rows: Rows, widths: Sequence[float]
    ) -> None:
        """A table, its heading row (if any) repeated on each page it spans;
        ``widths`` are proportions of the text width."""
        if not rows:
            return
        head = [] if headings is None else [headings]
        self.set_font(self.text_family, "", SMALL_PT)
        self.set_draw_color(160)
        self.set_fill_color(255)
        self.set_text_color(0)
        with self.table(
            headings_style=_HEADINGS,
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=SMALL_PT * 0.5,
            padding=0.8,
            width=self.epw,
            first_row_as_headings=headings is not None,
        ) as table:
            for cells in (*head, *rows):
                row = table.row()
                for cell in cells:
                    row.cell(cell)
        self.ln(2)


def cells(*values: Any) -> list[str]:
    """Table cells as text, ``None`` as empty."""
    return ["" if value is None else str(value) for value in values]

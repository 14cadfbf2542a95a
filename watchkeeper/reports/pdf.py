"""Blocks as a PDF, laid out by fpdf2 (pure Python, tables and images built in, fonts embedded and
subset with a Unicode text layer, so the PDF reads back as text), in the DejaVu fonts matplotlib ships."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from watchkeeper.reports.layout import Block, Chart, Heading, Paragraph, Table

_FONT = "DejaVu"
_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_SIZES = {1: 16, 2: 13, 3: 11}


def render_pdf(blocks: list[Block], title: str) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Watchkeeper")
    pdf.add_font(_FONT, "", str(_FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(_FONT, "B", str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    for block in blocks:
        if isinstance(block, Heading):
            pdf.set_font(_FONT, "B", _SIZES.get(block.level, 11))
            pdf.multi_cell(0, 8, block.text, new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, Paragraph):
            pdf.set_font(_FONT, "", 9)
            pdf.multi_cell(0, 5, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif isinstance(block, Table):
            _table(pdf, block)
        elif isinstance(block, Chart):
            pdf.image(io.BytesIO(block.png), w=170)
            pdf.ln(2)
    return bytes(pdf.output())


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font(_FONT, "", 7)
    if not table.rows:
        pdf.multi_cell(0, 5, "None recorded.", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        return
    with pdf.table(headings_style=FontFace(emphasis="BOLD"), line_height=4, text_align="LEFT") as rendered:
        for row in (table.columns, *table.rows):
            cells = rendered.row()
            for text in row:
                cells.cell(text)
    pdf.ln(2)

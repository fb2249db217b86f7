"""The yearly work report as a Word file (.docx) that a clerk edits before it goes out
(python-docx): real styles, so that Word's navigation pane, outline and table of contents
work, and fonts set for Chinese.

- Page: A4, margins after GB/T 9704-2012 §5 (top 37 mm, bottom 35 mm, left 28 mm, right
  26 mm).
- Styles: the title in "Title" (宋体, 22 pt, bold, centred); each section's heading in
  "Heading 1" (黑体, 16 pt) and its subtitle in "Heading 2" (楷体, 16 pt); body text in
  "Normal" (仿宋, 16 pt: 三号, fixed 28 pt lines, first line indented two characters), a
  point's run-in lead ("一是……。") in bold. Word picks the font of Chinese text from
  `w:rFonts/@w:eastAsia`, not from the font name python-docx sets (`w:ascii`/`w:hAnsi`), and
  the template's headings name theme fonts that win over both: every style and run here sets
  `w:eastAsia` and drops the theme attributes, so that Word shows 宋体/黑体/楷体/仿宋 and Latin
  text and digits in Times New Roman.
- The issuer and the date at the right under the text; the appendix (附表) on a page of its own
  as a table (序号, 指标, 数量) whose header row repeats on each page; the notes under it.
- Core properties (title, author = issuer, created/modified = the report's date), so that two
  renders of the same report differ only by the zip's own timestamps.
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.run import Run

from credit_portal.dates import chinese_date
from dashboard.report.content import Report

LATIN = "Times New Roman"
BODY_SIZE = Pt(16)  # 三号
LINE = Pt(28)  # a fixed line pitch: 22 lines to the page, as official documents set


def _fonts(element: object, east_asia: str, latin: str = LATIN) -> None:
    """Set the fonts of a style's or a run's `w:rPr`: `latin` for Latin text and digits,
    `east_asia` for Chinese; theme fonts (which would win) removed."""
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _style(
    style: ParagraphStyle,
    *,
    east_asia: str,
    size: Pt,
    bold: bool = False,
    center: bool = False,
    before: float = 0,
    after: float = 0,
) -> None:
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    _fonts(style.element, east_asia)
    fmt = style.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE if size <= BODY_SIZE else Pt(int(size.pt * 1.6))
    if center:
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _run(paragraph: object, text: str, *, east_asia: str = "仿宋", bold: bool = False) -> Run:
    run = paragraph.add_run(text)  # type: ignore[attr-defined]
    run.bold = bold
    _fonts(run._element, east_asia)
    return run


def _set_up(document: object, report: Report) -> None:
    section = document.sections[0]  # type: ignore[attr-defined]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    styles = document.styles  # type: ignore[attr-defined]
    _style(styles["Normal"], east_asia="仿宋", size=BODY_SIZE)
    styles["Normal"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _style(styles["Title"], east_asia="宋体", size=Pt(22), bold=True, center=True, after=16)
    # The template's title has a bottom border (a blue rule): not in an official document.
    ppr = styles["Title"].element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    _style(styles["Heading 1"], east_asia="黑体", size=BODY_SIZE, before=6)
    _style(styles["Heading 2"], east_asia="楷体", size=BODY_SIZE)
    for name in ("Heading 1", "Heading 2"):
        styles[name].paragraph_format.first_line_indent = Pt(32)
        styles[name].paragraph_format.keep_with_next = True
    properties = document.core_properties  # type: ignore[attr-defined]
    made = dt.datetime.combine(report.date, dt.time(), timezone.get_default_timezone())
    properties.title = report.title
    properties.author = report.issuer
    properties.last_modified_by = report.issuer
    properties.created = made
    properties.modified = made
    properties.revision = 1
    properties.language = "zh-CN"
    properties.comments = ""


def _body(document: object, text: str, *, lead: str = "") -> None:
    paragraph = document.add_paragraph(style="Normal")  # type: ignore[attr-defined]
    paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters
    if lead:
        _run(paragraph, lead, bold=True)
    _run(paragraph, text)


def _right(document: object, text: str) -> None:
    paragraph = document.add_paragraph(style="Normal")  # type: ignore[attr-defined]
    paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.paragraph_format.right_indent = Pt(64)
    _run(paragraph, text)


def _cell(cell: object, text: str, *, bold: bool = False, center: bool = False) -> None:
    paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    paragraph.paragraph_format.alignment = (
        WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    )
    run = _run(paragraph, text, bold=bold)
    run.font.size = Pt(12)


def _repeat_header(row: object) -> None:
    trpr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def report_docx(report: Report) -> bytes:
    """The .docx file's bytes."""
    document = Document()
    _set_up(document, report)
    title = document.add_paragraph(style="Title")
    _run(title, report.title, east_asia="宋体", bold=True)
    _body(document, report.opening)
    for section in report.sections:
        heading = document.add_paragraph(style="Heading 1")
        _run(heading, section.title, east_asia="黑体")
        subtitle = document.add_paragraph(style="Heading 2")
        _run(subtitle, section.subtitle, east_asia="楷体")
        for point in section.points:
            _body(document, point.text, lead=point.lead)
    document.add_paragraph(style="Normal")
    _right(document, report.issuer)
    _right(document, chinese_date(report.date))

    appendix = document.add_paragraph(style="Heading 1")
    appendix.paragraph_format.first_line_indent = Pt(0)
    appendix.paragraph_format.page_break_before = True
    _run(appendix, report.appendix_title, east_asia="黑体")
    table = document.add_table(rows=1, cols=3)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(16), Mm(110), Mm(30))
    for cell, text, width in zip(
        table.rows[0].cells, ("序号", "指标", "数量"), widths, strict=True
    ):
        cell.width = width
        _cell(cell, text, bold=True, center=True)
    _repeat_header(table.rows[0])
    number = 0
    for section in report.sections:
        rows = [row for row in report.figures if row.section == section.index]
        if not rows:
            continue
        heading = table.add_row().cells
        merged = heading[0].merge(heading[2])
        _cell(merged, f"（{section.number}）{section.heading}", bold=True)
        for row in rows:
            number += 1
            cells = table.add_row().cells
            texts = (str(number), row.label, row.text)
            for cell, text, width in zip(cells, texts, widths, strict=True):
                cell.width = width
                _cell(cell, text, center=cell is not cells[1])
    for note in report.notes:
        paragraph = document.add_paragraph(style="Normal")
        run = _run(paragraph, note)
        run.font.size = Pt(12)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

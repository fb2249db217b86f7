"""The yearly work report as PDF, through the portal's one renderer of official documents
(`credit_portal.documents`: A4 after GB/T 9704, the bureau's name in red over a rule, the
embedded Noto Serif CJK font, deterministic bytes).

Layout: the title, the opening paragraph, each section's heading ("一、分类施策、融合应用"
with its subtitle) and its points as paragraphs with a bold run-in lead ("一是实施惩戒缓冲。"),
then the appendix (附表) as a list "指标：数值单位", one figure a line, the issuer and the date,
and the notes at the foot of the last page.
"""

from __future__ import annotations

from credit_portal.documents import (
    Block,
    Fields,
    Heading,
    OfficialDocument,
    Paragraph,
    render_pdf,
)
from dashboard.report.content import Report


def report_document(report: Report) -> OfficialDocument:
    """`report` as an official document (no number: a release, not a decision)."""
    body: list[Block] = [Paragraph(text=report.opening)]
    for section in report.sections:
        body.append(Heading(text=f"{section.title}　{section.subtitle}"))
        body += [Paragraph(lead=point.lead, text=point.text) for point in section.points]
    body.append(Heading(text=report.appendix_title))
    for section in report.sections:
        rows = [(row.label, row.text) for row in report.figures if row.section == section.index]
        if rows:
            body.append(Paragraph(lead=f"（{section.number}）{section.heading}", text=""))
            body.append(Fields(items=rows))
    return OfficialDocument(
        title=report.title,
        number="",
        date=report.date,
        issuer=report.issuer,
        body=body,
        footer=report.notes,
        contact="",
    )


def report_pdf(report: Report) -> bytes:
    """The PDF's bytes (the same bytes for the same report)."""
    return render_pdf(report_document(report))

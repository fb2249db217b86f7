"""Official documents as PDF: the portal's one renderer of numbered documents (文书).

The apps describe a document as data, an `OfficialDocument` with its body blocks, and
`render_pdf` sets it on A4 in the look of a Chinese official document, after GB/T 9704-2012
(党政机关公文格式) where it applies to a bureau's enforcement documents:

- the first page opens with the issuing bureau's name in red over a red rule (红头), the
  document number (文号) on the right under it, and the title centred in large bold type;
- the addressee (主送), then the body in 14 pt on a fixed grid of 31 characters a line,
  paragraphs indented two characters, full lines justified; no line starts with a closing
  mark (，。、；：）》 and the like) or ends with an opening one (（《“), and a Latin word or a
  number is never broken unless it is longer than a line;
- the attachments note (附件), the issuer and the date written "2026年12月7日" four
  characters from the right, optionally over a placeholder for the seal;
- the closing notes (版记: copies, service, the bureau's address and telephone, a verification
  line, optionally a QR code) between two rules at the foot of the last page;
- "第 1 页 共 2 页" at the foot of every page, the number at the head of every page after the
  first.

Official documents are Chinese only: there is no English variant, whatever the reader's
interface language.

Fonts: the PDF embeds subsets of Noto Serif CJK SC (SIL Open Font License) that the repository
carries in `credit_portal/fonts/` (see its README.md), so a document looks the same on every
machine and the renderer needs nothing from the system. The regular face covers every CJK
ideograph the font has (30,225: the unified ideographs, simplified and traditional, extension
A, the extensions B to G as far as the font goes, with 𠮷; the compatibility ideographs) and
the rest of GBK, with Latin, punctuation and common symbols; the bold face (header, title,
headings) covers GB 2312, and a character it lacks is set in the regular face.

A character neither face has (an emoji, one of the extension ideographs the font does not
draw) does not stop the document: it is printed as □ (U+25A1, the usual mark of a missing
character in Chinese typesetting), the text layer carries □ too, and a warning is logged.
`unsupported_characters(document)` lists such characters beforehand, so that a page can warn
the officer before a document is issued. Invisible format characters (zero-width spaces,
joiners, variation selectors) are dropped.

Output is deterministic: the PDF's creation date is the document's date (midnight, the
portal's time zone) and nothing else varies, so two renders of the same document are the same
bytes, which tests and hashes of issued documents rely on.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias
from urllib.parse import quote

import segno
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from fontTools.ttLib import TTFont
from fpdf import FPDF

from credit_portal.dates import chinese_date

logger = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR_FONT = FONTS / "NotoSerifCJKsc-Regular.han.ttf"
BOLD_FONT = FONTS / "NotoSerifCJKsc-Bold.gb2312.ttf"
MISSING_MARK = "□"  # printed for a character no embedded font has


# ---------------------------------------------------------------------------------------------
# The document as data
# ---------------------------------------------------------------------------------------------


def _bureau_setting(key: str) -> str:
    return str(settings.CREDIT_PORTAL.get(key) or "")


def _default_issuer() -> str:
    return _bureau_setting("BUREAU_NAME")


def _default_contact() -> str:
    parts = []
    if address := _bureau_setting("BUREAU_ADDRESS"):
        parts.append(f"地址：{address}")
    if phone := _bureau_setting("BUREAU_PHONE"):
        parts.append(f"电话：{phone}")
    return "　".join(parts)


@dataclass(frozen=True, kw_only=True)
class Paragraph:
    """Body text, indented two characters. Each line of `text` is a paragraph of its own.
    `lead`, if given, is a run-in heading set in bold before the text of the first one
    ("一、基本情况。")."""

    text: str
    lead: str = ""


@dataclass(frozen=True, kw_only=True)
class Heading:
    """A heading on a line of its own, in bold, indented two characters; never the last line
    of a page."""

    text: str


@dataclass(frozen=True, kw_only=True)
class Fields:
    """Labelled values, one to a line: "当事人：成都某某有限公司". A value too long for the
    line wraps under its own start; a value's own line breaks ("\\n") are kept."""

    items: Sequence[tuple[str, str]]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple((str(k), str(v)) for k, v in self.items))


class Numbering(enum.Enum):
    """How the items of a `NumberedList` are numbered (the four levels of GB/T 9704 §7.3.3)."""

    CHINESE = "一、"
    CHINESE_PARENTHESISED = "（一）"
    ARABIC = "1．"
    ARABIC_PARENTHESISED = "（1）"

    def marker(self, number: int) -> str:
        if self is Numbering.CHINESE:
            return f"{_chinese_numeral(number)}、"
        if self is Numbering.CHINESE_PARENTHESISED:
            return f"（{_chinese_numeral(number)}）"
        if self is Numbering.ARABIC:
            return f"{number}．"
        return f"（{number}）"


@dataclass(frozen=True, kw_only=True)
class NumberedList:
    """Numbered items, each a paragraph indented two characters that starts with its number
    (Chinese documents wrap such items to the margin, not under the text)."""

    items: Sequence[str]
    numbering: Numbering = Numbering.ARABIC

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))


Block: TypeAlias = Paragraph | Heading | Fields | NumberedList


@dataclass(frozen=True, kw_only=True)
class Addressee:
    """Whom the document is addressed to (主送), written before the body as
    "name（detail；detail）：", e.g. the enterprise and "统一社会信用代码：9151…"."""

    name: str
    details: Sequence[str] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "details", tuple(self.details))


@dataclass(frozen=True, kw_only=True)
class OfficialDocument:
    """One numbered official document, Chinese only.

    - `title`: the kind of document, "行政建议书"; `number`: its 文号, "双市监建〔2026〕12号"
      (may be empty for an unnumbered notice);
    - `date`: the day it is made (成文日期), printed as "2026年12月7日" and used as the PDF's
      creation date;
    - `issuer`: the bureau, from `CREDIT_PORTAL["BUREAU_NAME"]` unless given; it heads the
      first page in red and signs the document;
    - `addressee`, `body` (a sequence of `Paragraph`, `Heading`, `Fields`, `NumberedList`),
      `attachments` (names, without numbers);
    - `seal_placeholder`: draw a dashed circle where the seal goes over the issuer and date;
    - `footer`: the closing notes, one a line ("本文书一式两份，…", a verification line), with
      `contact` ("地址：…　电话：…", from `CREDIT_PORTAL["BUREAU_ADDRESS"]` and
      `["BUREAU_PHONE"]` unless given; empty for none) as the last;
    - `qr_payload`: a text (usually a verification address) printed as a QR code beside the
      footer, with `qr_caption` under it.
    """

    title: str
    number: str
    date: dt.date
    body: Sequence[Block]
    addressee: Addressee | None = None
    issuer: str = field(default_factory=_default_issuer)
    attachments: Sequence[str] = ()
    seal_placeholder: bool = False
    footer: Sequence[str] = ()
    contact: str = field(default_factory=_default_contact)
    qr_payload: str | None = None
    qr_caption: str = "扫码核验"

    def __post_init__(self) -> None:
        for name in ("body", "attachments", "footer"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.title.strip():
            raise ValueError("An official document needs a title.")
        for block in self.body:
            if not isinstance(block, Paragraph | Heading | Fields | NumberedList):
                raise TypeError(f"Not a body block: {block!r}")


def _texts(document: OfficialDocument) -> Iterator[str]:
    """Every text the renderer prints for `document`."""
    yield from (document.issuer, document.title, document.number, document.contact)
    yield from (document.qr_caption, *document.attachments, *document.footer)
    if document.addressee:
        yield document.addressee.name
        yield from document.addressee.details
    for block in document.body:
        if isinstance(block, Paragraph):
            yield from (block.lead, block.text)
        elif isinstance(block, Heading):
            yield block.text
        elif isinstance(block, Fields):
            for label, value in block.items:
                yield from (label, value)
        else:
            yield from block.items


def unsupported_characters(document: OfficialDocument) -> list[str]:
    """The characters of `document` that no embedded font has, in order of code point: each
    prints as □. Empty for almost every document; a page may show them before issuing."""
    regular = _metrics(False)
    found = {
        char
        for text in _texts(document)
        for char in unicodedata.normalize("NFC", text)
        if ord(char) not in regular.advances and not _invisible(char) and char not in "\n\t"
    }
    return sorted(found)


# ---------------------------------------------------------------------------------------------
# Fonts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FontMetrics:
    advances: dict[int, float]  # code point -> advance width in em


@functools.cache
def _metrics(bold: bool) -> _FontMetrics:
    """The characters a face has and their widths, read once a process (the same tables fpdf2
    writes into the PDF's width array)."""
    font = TTFont(str(BOLD_FONT if bold else REGULAR_FONT), lazy=True)
    try:
        upem = font["head"].unitsPerEm
        hmtx = font["hmtx"]
        advances = {code: hmtx[glyph][0] / upem for code, glyph in font.getBestCmap().items()}
    finally:
        font.close()
    return _FontMetrics(advances)


def _invisible(char: str) -> bool:
    """Format and control characters and combining marks: dropped when no font has them."""
    return unicodedata.category(char) in {"Cc", "Cf", "Mn", "Me", "Zl", "Zp"}


def _clean(text: str) -> str:
    """`text` as it will print: NFC, tabs as spaces, other control characters and invisible
    characters the font lacks dropped, other characters the font lacks as □."""
    regular = _metrics(False).advances
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char == "\t":
            char = " "
        if char == "\n" or ord(char) in regular:
            out.append(char)
        elif not _invisible(char):
            out.append(MISSING_MARK)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Page geometry (points; GB/T 9704-2012 §5: A4, text area 156 x 225 mm, top 37 mm, left 28 mm)
# ---------------------------------------------------------------------------------------------

_MM = 72 / 25.4
_PAGE_W = 210 * _MM
_AREA_TOP = 37 * _MM
_AREA_BOTTOM = (37 + 225) * _MM
_BODY = 14.0  # pt (四号)
_LINE = _BODY * 1.8  # line pitch: 25 lines to the text area
_CHARS = int(156 * _MM // _BODY)  # a full line of ideographs: 31
_TEXT_W = _CHARS * _BODY
_LEFT = 28 * _MM + (156 * _MM - _TEXT_W) / 2  # the grid centred in the text area
_RIGHT = _LEFT + _TEXT_W
_TITLE = 22.0  # pt (二号)
_HEADER_MAX = 30.0  # pt, the bureau's name in the red header
_SMALL = 10.5  # pt (五号): page numbers, closing notes
_QR_SIZE = 24 * _MM

_BLACK = (0, 0, 0)
_RED = (230, 0, 18)  # the usual red of 红头 (CMYK 0/100/100/0)
_GREY = (120, 120, 120)

# No line starts with these (closing marks) or ends with those (opening marks).
_NO_START = frozenset("，。、；：？！）》」』】〕〉］｝’”…—·～％‰℃°′″,.;:?!)]}%")
_NO_END = frozenset("（《「『【〔〈［｛‘“([{")


def _chinese_numeral(number: int) -> str:
    """一 to 九十九, as item numbers are written (一、二、…十、十一、…二十、二十一)."""
    digits = "〇一二三四五六七八九"
    if not 1 <= number <= 99:
        return str(number)
    tens, ones = divmod(number, 10)
    text = ("" if tens <= 1 else digits[tens]) + ("十" if tens else "")
    return text + (digits[ones] if ones else "")


# ---------------------------------------------------------------------------------------------
# Typesetting: text into lines
# ---------------------------------------------------------------------------------------------


@dataclass
class _Atom:
    """One character as typeset: in the bold face or not, its width, whether a line may break
    before it."""

    char: str
    bold: bool
    width: float
    breakable: bool


@dataclass
class _Run:
    x: float
    text: str
    bold: bool


Drawing: TypeAlias = Callable[[FPDF, float], None]  # draws relative to a line's top


@dataclass
class _Line:
    height: float
    runs: list[_Run] = field(default_factory=list)
    size: float = _BODY
    spacing: float = 0.0  # added after every character (justification), pt
    color: tuple[int, int, int] = _BLACK
    keep_with_next: bool = False
    spacer: bool = False  # a blank line, dropped at the top of a page
    drawings: list[Drawing] = field(default_factory=list)


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in {"W", "F"}


def _atoms(segments: Iterable[tuple[str, bool]], size: float) -> list[_Atom]:
    """Characters with their widths at `size` and the places a line may break: between two
    wide characters, at a space, between a wide and a narrow one; never inside a Latin word
    or number, before a closing mark or after an opening one."""
    atoms: list[_Atom] = []
    previous = ""
    for text, bold in segments:
        for char in _clean(text):
            in_bold = bold and ord(char) in _metrics(True).advances
            advance = _metrics(in_bold).advances.get(ord(char), 0.0) if char != "\n" else 0.0
            breakable = not (
                char in _NO_START
                or previous in _NO_END
                or (
                    previous not in ("", " ", "\n")
                    and char not in (" ", "\n")
                    and not _is_wide(char)
                    and not _is_wide(previous)
                )
            )
            atoms.append(_Atom(char, in_bold, advance * size, breakable or char == " "))
            previous = char
    return atoms


def _wrap(
    atoms: list[_Atom], *, width: float, first: float, rest: float
) -> list[tuple[list[_Atom], bool]]:
    """Greedy lines of `atoms` in `width` less the indent (`first` for the first line, `rest`
    for the others); each with whether it was broken automatically (and so is justified).
    A run that cannot break and is longer than a line is cut where the line ends."""
    groups: list[list[_Atom]] = []
    for atom in atoms:
        if atom.char == "\n" or atom.breakable or not groups or groups[-1][-1].char == "\n":
            groups.append([atom])
        else:
            groups[-1].append(atom)

    lines: list[tuple[list[_Atom], bool]] = []
    line: list[_Atom] = []
    used = 0.0
    room = width - first

    def finish(broken: bool) -> None:
        nonlocal line, used, room
        while line and line[-1].char == " ":
            line.pop()
        lines.append((line, broken))
        line, used, room = [], 0.0, width - rest

    for group in groups:
        if group[0].char == "\n":
            finish(False)
            continue
        if not line and group[0].char == " ":
            continue  # no space at the start of a line
        group_width = sum(atom.width for atom in group)
        if used + group_width <= room + 0.01:
            line += group
            used += group_width
            continue
        if group[0].char == " ":
            finish(True)
            continue
        if line:
            finish(True)
        for atom in group:  # on an empty line: fits, or is cut where the line ends
            if line and used + atom.width > room + 0.01:
                finish(True)
            line.append(atom)
            used += atom.width
    if line or not lines:
        finish(False)
    return lines


def _runs(atoms: list[_Atom], x: float, spacing: float) -> list[_Run]:
    runs: list[_Run] = []
    for atom in atoms:
        if runs and runs[-1].bold == atom.bold:
            runs[-1].text += atom.char
        else:
            runs.append(_Run(x, atom.char, atom.bold))
        x += atom.width + spacing
    return runs


def _set_lines(
    segments: Iterable[tuple[str, bool]],
    *,
    size: float = _BODY,
    height: float = _LINE,
    first: float = 0.0,
    rest: float = 0.0,
    align: str = "justify",
    left: float = _LEFT,
    width: float = _TEXT_W,
    color: tuple[int, int, int] = _BLACK,
) -> list[_Line]:
    """Text set in lines: `align` "justify" (full lines to both edges, the last to the left),
    "left", "center" or "right"."""
    lines: list[_Line] = []
    for atoms, broken in _wrap(_atoms(segments, size), width=width, first=first, rest=rest):
        indent = rest if lines else first
        room = width - indent
        natural = sum(atom.width for atom in atoms)
        spacing = 0.0
        x = left + indent
        if align == "justify" and broken and len(atoms) > 1:
            spacing = max(0.0, (room - natural) / (len(atoms) - 1))
            if spacing > size * 0.15:  # a word that could not break: leave the line ragged
                spacing = 0.0
        elif align == "center":
            x += (room - natural) / 2
        elif align == "right":
            x += room - natural
        lines.append(
            _Line(height, _runs(atoms, x, spacing), size=size, spacing=spacing, color=color)
        )
    return lines


def _width(text: str, *, bold: bool = False, size: float = _BODY) -> float:
    return sum(atom.width for atom in _atoms([(text, bold)], size))


def _spacer(height: float = _LINE) -> _Line:
    return _Line(height, spacer=True)


# ---------------------------------------------------------------------------------------------
# The document's parts as lines
# ---------------------------------------------------------------------------------------------


def _rule(
    *, color: tuple[int, int, int], thickness: float, at: float, left: float, right: float
) -> Drawing:
    def draw(pdf: FPDF, top: float) -> None:
        pdf.set_draw_color(*color)
        pdf.set_line_width(thickness)
        pdf.line(left, top + at, right, top + at)

    return draw


def _header(document: OfficialDocument) -> list[_Line]:
    lines: list[_Line] = []
    if document.issuer:
        # The bureau's name as large as fits on one line, up to 30 pt.
        size = min(_HEADER_MAX, _TEXT_W / max(_width(document.issuer, bold=True, size=1), 1))
        lines += _set_lines(
            [(document.issuer, True)], size=size, height=size * 1.5, align="center", color=_RED
        )
    lines.append(
        _Line(
            12,
            drawings=[_rule(color=_RED, thickness=1.5, at=6, left=_LEFT, right=_RIGHT)],
        )
    )
    if document.number:
        lines += _set_lines([(document.number, False)], align="right")
    else:
        lines.append(_spacer())
    lines.append(_spacer(_LINE / 3))
    lines += _set_lines([(document.title, True)], size=_TITLE, height=_TITLE * 1.6, align="center")
    lines.append(_spacer(_LINE * 2 / 3))
    return lines


def _addressee(addressee: Addressee) -> list[_Line]:
    text = addressee.name
    if addressee.details:
        text += f"（{'；'.join(addressee.details)}）"
    return _set_lines([(f"{text}：", False)])


def _block(block: Block) -> list[_Line]:
    indent = 2 * _BODY
    if isinstance(block, Heading):
        lines = _set_lines([(block.text, True)], first=indent, rest=indent)
        for line in lines:
            line.keep_with_next = True
        return lines
    if isinstance(block, Paragraph):
        lines = []
        for number, text in enumerate(block.text.split("\n")):
            lead = [(block.lead, True)] if block.lead and number == 0 else []
            lines += _set_lines([*lead, (text, False)], first=indent)
        return lines
    if isinstance(block, Fields):
        lines = []
        for label, value in block.items:
            head = f"{label}："
            hang = indent + _width(head)
            if hang > _TEXT_W * 0.45:  # a long label: wrap to the margin instead
                hang = 0.0
            lines += _set_lines([(head + value, False)], first=indent, rest=hang)
        return lines
    lines = []
    for number, item in enumerate(block.items, start=1):
        lines += _set_lines([(f"{block.numbering.marker(number)}{item}", False)], first=indent)
    return lines


def _attachments(names: Sequence[str]) -> list[_Line]:
    """GB/T 9704 §7.3.4: one line below the body, two characters in, "附件：1．name"; the
    numbers aligned; a long name wraps under its own first character."""
    if not names:
        return []
    lines = [_spacer()]
    label = "附件："
    indent = 2 * _BODY
    for number, name in enumerate(names, start=1):
        marker = f"{number}．" if len(names) > 1 else ""
        head = label + marker if number == 1 else marker
        first = indent if number == 1 else indent + _width(label)
        hang = first + _width(head)
        lines += _set_lines([(head + name, False)], first=first, rest=hang, align="left")
    return lines


def _seal(center_x: float, below_top: float) -> Drawing:
    """A dashed circle 42 mm across (a bureau's seal) with the issuer and date a little under
    its centre (GB/T 9704 §7.3.5.1); a place for the seal, not a seal."""
    radius = 21 * _MM

    def draw(pdf: FPDF, top: float) -> None:
        center_y = top + below_top
        pdf.set_draw_color(*_GREY)
        pdf.set_line_width(0.6)
        pdf.set_dash_pattern(dash=4, gap=3)
        pdf.circle(center_x, center_y, radius)
        pdf.set_dash_pattern()
        pdf.set_font(_FAMILY, "", 9)
        pdf.set_text_color(*_GREY)
        caption = "（印章）"
        pdf.text(center_x - pdf.get_string_width(caption) / 2, center_y - radius * 0.55, caption)

    return draw


def _closing(document: OfficialDocument) -> list[_Line]:
    """Issuer over date, the date four characters from the right edge and the issuer centred
    on it (GB/T 9704 §7.3.5.1); kept together with the body's last line."""
    date = chinese_date(document.date)
    date_right = _RIGHT - 4 * _BODY
    date_width = _width(date)
    center = date_right - date_width / 2
    lines = [_spacer() for _ in range(2 if document.seal_placeholder else 1)]
    signature: list[_Line] = []
    if document.issuer:
        issuer_width = _width(document.issuer)
        x = max(_LEFT, min(center - issuer_width / 2, _RIGHT - issuer_width))
        signature += _set_lines([(document.issuer, False)], left=x, width=_RIGHT - x)
    signature += _set_lines([(date, False)], left=date_right - date_width, width=date_width + 1)
    if document.seal_placeholder:
        # Centred a little above the date line's top: the issuer and the date under the centre.
        below_top = sum(line.height for line in signature[:-1]) - _LINE * 0.1
        signature[0].drawings.append(_seal(center, below_top))
    lines += signature
    for line in lines[:-1]:
        line.keep_with_next = True
    return lines


def _qr(payload: str, caption: str, *, left: float, below_top: float) -> Drawing:
    code = segno.make(payload, error="m", micro=False)
    matrix = code.matrix
    module = _QR_SIZE / len(matrix)

    def draw(pdf: FPDF, line_top: float) -> None:
        top = line_top + below_top
        pdf.set_fill_color(*_BLACK)
        for row_number, row in enumerate(matrix):
            column = 0
            while column < len(row):  # one rectangle for each run of dark modules
                if not row[column]:
                    column += 1
                    continue
                start = column
                while column < len(row) and row[column]:
                    column += 1
                pdf.rect(
                    left + start * module,
                    top + row_number * module,
                    (column - start) * module,
                    module,
                    style="F",
                )
        if caption:
            pdf.set_font(_FAMILY, "", 9)
            pdf.set_text_color(*_BLACK)
            width = pdf.get_string_width(caption)
            pdf.text(left + (_QR_SIZE - width) / 2, top + _QR_SIZE + 11, caption)

    return draw


def _footer(document: OfficialDocument) -> list[_Line]:
    """The closing notes (版记) between two rules; the QR code, if any, at their right."""
    notes = [*document.footer, *([document.contact] if document.contact else [])]
    if not notes and not document.qr_payload:
        return []
    gap = 6.0
    width = _TEXT_W - (_QR_SIZE + 12 if document.qr_payload else 0)
    lines: list[_Line] = []
    for note in notes:
        lines += _set_lines(
            [(note, False)], size=_SMALL, height=_SMALL * 1.7, width=width, align="left"
        )
    text_height = sum(line.height for line in lines)
    qr_height = _QR_SIZE + 14 if document.qr_payload else 0
    if qr_height > text_height:
        lines.append(_Line(qr_height - text_height))
    lines.insert(0, _Line(gap))
    lines.append(_Line(gap))
    top_rule = _rule(color=_BLACK, thickness=1.0, at=0, left=_LEFT, right=_RIGHT)
    lines[0].drawings.append(top_rule)
    lines[-1].drawings.append(_rule(color=_BLACK, thickness=1.0, at=gap, left=_LEFT, right=_RIGHT))
    if document.qr_payload:
        lines[0].drawings.append(
            _qr(document.qr_payload, document.qr_caption, left=_RIGHT - _QR_SIZE, below_top=gap)
        )
    for line in lines:
        line.keep_with_next = True
    lines[-1].keep_with_next = False
    return lines


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def _paginate(lines: list[_Line]) -> list[list[tuple[_Line, float]]]:
    """Lines placed on pages (each with its top): a line goes to the next page when it does
    not fit, and so does a chain of lines kept together (a heading and the line after it, the
    closing with the body's last line) unless the chain is longer than a page; a blank line
    at the top of a page is dropped."""
    pages: list[list[tuple[_Line, float]]] = [[]]
    top = _AREA_TOP
    index = 0
    while index < len(lines):
        end = index
        while lines[end].keep_with_next and end + 1 < len(lines):
            end += 1
        chain = lines[index : end + 1]
        height = sum(line.height for line in chain)
        if pages[-1] and top + height > _AREA_BOTTOM + 0.01 and height <= _AREA_BOTTOM - _AREA_TOP:
            pages.append([])
            top = _AREA_TOP
        for line in chain:
            if pages[-1] and top + line.height > _AREA_BOTTOM + 0.01:
                pages.append([])
                top = _AREA_TOP
            if line.spacer and not pages[-1]:
                continue
            pages[-1].append((line, top))
            top += line.height
        index = end + 1
    return pages


def _place_at_foot(pages: list[list[tuple[_Line, float]]], lines: list[_Line]) -> None:
    """`lines` at the foot of the last page, on a page of their own if they do not fit."""
    if not lines:
        return
    height = sum(line.height for line in lines)
    last = pages[-1]
    used = last[-1][1] + last[-1][0].height if last else _AREA_TOP
    if used + height + _LINE / 2 > _AREA_BOTTOM:
        pages.append([])
    top = _AREA_BOTTOM - height
    for line in lines:
        pages[-1].append((line, top))
        top += line.height


_FAMILY = "noto-serif-sc"


def _draw_line(pdf: FPDF, line: _Line, top: float) -> None:
    for drawing in line.drawings:
        drawing(pdf, top)
    if not line.runs:
        return
    # The ideographic em box centred in the line: its bottom is 0.12 em under the baseline.
    baseline = top + (line.height + line.size) / 2 - 0.12 * line.size
    pdf.set_text_color(*line.color)
    pdf.set_char_spacing(line.spacing)
    for run in line.runs:
        pdf.set_font(_FAMILY, "B" if run.bold else "", line.size)
        pdf.text(run.x, baseline, run.text)
    pdf.set_char_spacing(0)


def _page_furniture(pdf: FPDF, document: OfficialDocument, number: int, count: int) -> None:
    pdf.set_text_color(*_BLACK)
    pdf.set_font(_FAMILY, "", _SMALL)
    label = _clean(f"第 {number} 页 共 {count} 页")
    pdf.text((_PAGE_W - pdf.get_string_width(label)) / 2, _AREA_BOTTOM + 12 * _MM, label)
    if number > 1 and document.number:
        pdf.set_text_color(*_GREY)
        pdf.set_font(_FAMILY, "", 9)
        running = _clean(document.number)
        pdf.text(_RIGHT - pdf.get_string_width(running), _AREA_TOP - 8 * _MM, running)


def render_pdf(document: OfficialDocument) -> bytes:
    """The document as a PDF (A4, fonts embedded as subsets); the same document gives the same
    bytes."""
    if missing := unsupported_characters(document):
        logger.warning(
            "Official document %s: no font has %s; printed as %s",
            document.number or document.title,
            " ".join(f"U+{ord(char):04X}" for char in missing),
            MISSING_MARK,
        )
    lines = _header(document)
    if document.addressee:
        lines += _addressee(document.addressee)
    for block in document.body:
        lines += _block(block)
    lines += _attachments(document.attachments)
    closing = _closing(document)
    if lines:
        lines[-1].keep_with_next = True  # the closing never opens a page alone
    lines += closing
    pages = _paginate(lines)
    _place_at_foot(pages, _footer(document))

    pdf = FPDF(orientation="P", unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(_LEFT, _AREA_TOP, _PAGE_W - _RIGHT)
    pdf.add_font(_FAMILY, "", REGULAR_FONT)
    pdf.add_font(_FAMILY, "B", BOLD_FONT)
    midnight = dt.datetime.combine(document.date, dt.time(), timezone.get_default_timezone())
    pdf.set_creation_date(midnight)
    pdf.set_title(_clean(" ".join(filter(None, [document.title, document.number]))))
    pdf.set_author(_clean(document.issuer))
    pdf.set_creator("Credit Portal")
    pdf.set_lang("zh-CN")
    for number, placed in enumerate(pages, start=1):
        pdf.add_page()
        for line, top in placed:
            _draw_line(pdf, line, top)
        _page_furniture(pdf, document, number, len(pages))
    return bytes(pdf.output())


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------


def pdf_response(pdf: bytes, *, filename: str, inline: bool = True) -> HttpResponse:
    """A PDF for the browser to show (`inline`) or save: the name may be Chinese (RFC 6266 with
    RFC 5987's filename*, an ASCII fallback for old clients); never sniffed as anything else.
    Caching is the middleware's (no-store for a logged-in user)."""
    name = re.sub(r"[\x00-\x1f\x7f/\\\"]+", "_", Path(filename).name).strip() or "document"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    fallback = name if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) else "document.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'{"inline" if inline else "attachment"}; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )
    response["Content-Length"] = str(len(pdf))
    response["X-Content-Type-Options"] = "nosniff"
    return response

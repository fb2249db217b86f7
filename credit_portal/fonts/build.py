"""Rebuild the subset fonts of this folder from Noto Serif CJK (a developer's tool, not run by
the portal; see README.md beside this file for why and what).

    .venv/bin/python credit_portal/fonts/build.py /usr/share/fonts/opentype/noto

takes the Simplified Chinese face ("Noto Serif CJK SC") out of Debian's fonts-noto-cjk
collections (NotoSerifCJK-Regular.ttc, NotoSerifCJK-Bold.ttc), keeps:

- Regular: every CJK ideograph the face has (the unified ideographs U+4E00–U+9FFF, extension
  A, extensions B to G, the compatibility ideographs: 30,225 in Noto Serif CJK 2.001, with
  𠮷 U+20BB7 and 㐀 U+3400), every other character GBK encodes, plus Latin, punctuation and
  the symbols below;
- Bold (header, title, headings): GB 2312 plus the same Latin, punctuation and symbols; the
  renderer sets a character the bold face lacks in the regular face;

and turns the outlines from CFF (cubic) into TrueType (quadratic, within 1/1000 em), so that
fpdf2 embeds them the way PDF readers and text extractors handle best: a CIDFontType2 font with
Identity-H encoding (fpdf2's CFF route writes its own encoding CMaps, which pypdf, for one,
reads wrongly). The conversion adds about 13 % to the size.

fontTools comes with fpdf2 (a dependency of the project). Timestamps are left as they are in
the source, so the same source fonts give the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

HERE = Path(__file__).resolve().parent
FACE = "Noto Serif CJK SC"
REGULAR = HERE / "NotoSerifCJKsc-Regular.han.ttf"
BOLD = HERE / "NotoSerifCJKsc-Bold.gb2312.ttf"

# Where the CJK ideographs are; the regular face keeps those of them the source face maps.
IDEOGRAPH_RANGES = [
    (0x3400, 0x4DBF),  # Extension A (㐀 U+3400)
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs (URO)
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    # Planes 2 and 3 hold ideographs only: extensions B (𠮷 U+20BB7) to J, the compatibility
    # ideographs supplement.
    (0x20000, 0x3FFFF),
]

# Latin, punctuation and symbols an official document may use besides the ideographs.
SYMBOL_RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x017F),  # Latin-1 Supplement (× ÷ ° ·), Latin Extended-A
    (0x02C6, 0x02DD),  # modifier letters (pinyin tone marks)
    (0x0391, 0x03C9),  # Greek
    (0x0401, 0x0451),  # Cyrillic (GBK has it)
    (0x2000, 0x206F),  # General Punctuation (— … ‘ ’ “ ” ‰ ※)
    (0x2100, 0x21FF),  # Letterlike Symbols, Number Forms, Arrows (℃ № Ⅰ →)
    (0x2200, 0x22FF),  # Mathematical Operators (≤ ≥ ≠)
    (0x2460, 0x24FF),  # Enclosed Alphanumerics (① ⑴ ⒈)
    (0x2500, 0x25FF),  # Box Drawing, Block Elements, Geometric Shapes (□ ■ ○ ●)
    (0x2600, 0x26FF),  # Miscellaneous Symbols (★ ☆)
    (0x3000, 0x303F),  # CJK Symbols and Punctuation (、。《》「」〔〕【】〇)
    (0x3200, 0x32FF),  # Enclosed CJK Letters and Months (㈠ ㊣)
    (0x3300, 0x33FF),  # CJK Compatibility (㎡ ㎏)
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms (，：；（） ￥)
]


def _codec_characters(codec: str, leads: range, trails: list[int]) -> set[int]:
    """The code points a double-byte Chinese codec encodes (its private-use area left out)."""
    found: set[int] = set()
    for lead in leads:
        for trail in trails:
            try:
                text = bytes([lead, trail]).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(text) == 1 and not 0xE000 <= ord(text) <= 0xF8FF:
                found.add(ord(text))
    return found


def gbk() -> set[int]:
    return _codec_characters("gbk", range(0x81, 0xFF), [*range(0x40, 0x7F), *range(0x80, 0xFF)])


def gb2312() -> set[int]:
    return _codec_characters("gb2312", range(0xA1, 0xF8), list(range(0xA1, 0xFF)))


def symbols() -> set[int]:
    return {code for first, last in SYMBOL_RANGES for code in range(first, last + 1)}


def ideographs(collection: Path) -> set[int]:
    """The CJK ideographs the Simplified Chinese face of `collection` maps."""
    face = TTCollection(str(collection), lazy=True).fonts[sc_face(collection)]
    return {
        code
        for code in face.getBestCmap()
        if any(first <= code <= last for first, last in IDEOGRAPH_RANGES)
    }


def sc_face(collection: Path) -> int:
    """The index of the Simplified Chinese face in a Noto CJK collection."""
    faces = TTCollection(str(collection), lazy=True).fonts
    for index, face in enumerate(faces):
        if face["name"].getDebugName(1) == FACE:
            return index
    raise SystemExit(f"{collection}: no face named {FACE!r}")


def to_truetype(font: TTFont) -> None:
    """CFF outlines to TrueType ones, in place (fontTools' otf2ttf recipe)."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attribute in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attribute, 0)
    maxp.maxZones = 1
    font["maxp"] = maxp  # the point and contour counts are computed when the font is saved
    font["head"].glyphDataFormat = 0
    post = font["post"]  # with glyph names: fpdf2 then loads the font twice as fast
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


def build(source: Path, target: Path, characters: set[int], repertoire: str) -> None:
    font = TTFont(str(source), fontNumber=sc_face(source), recalcTimestamp=False)
    options = subset.Options()
    # fpdf2 sets horizontal text without shaping: layout and vertical-writing tables are dead
    # weight (and their metrics are recomputed at every render).
    options.layout_features = []
    options.drop_tables += ["BASE", "GDEF", "GPOS", "GSUB", "VORG", "vhea", "vmtx"]
    options.name_IDs = ["*"]  # keep the copyright, licence and designer records
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters)
    subsetter.subset(font)
    names = font["name"]
    version = names.getDebugName(5)
    names.setName(f"{version}; subset to {repertoire}, TrueType, for Credit Portal", 5, 3, 1, 0x409)
    to_truetype(font)
    font.save(str(target))
    sys.stdout.write(
        f"{target.name}: {len(font.getBestCmap())} characters, {target.stat().st_size:,} bytes\n"
    )


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(f"usage: {argv[0]} FOLDER_WITH_NotoSerifCJK-Regular.ttc")
    folder = Path(argv[1])
    regular = folder / "NotoSerifCJK-Regular.ttc"
    build(regular, REGULAR, gbk() | ideographs(regular) | symbols(), "GBK and all CJK ideographs")
    build(folder / "NotoSerifCJK-Bold.ttc", BOLD, gb2312() | symbols(), "GB 2312")


if __name__ == "__main__":
    main(sys.argv)

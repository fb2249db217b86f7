"""Official documents as PDF (`credit_portal.documents`): what a reader and a text extractor find
in them, the embedded fonts and what they cover (the rare ideographs of names), line breaking,
same bytes for the same document, and the download response. One document of two pages is
rendered once for the module (a render takes about half a second: fpdf2 subsets the fonts)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import tomllib
from pathlib import Path
from urllib.parse import unquote

import pypdf
import pytest
from fontTools.ttLib import TTFont
from pypdf.generic import DictionaryObject, IndirectObject

from credit_portal.dates import chinese_date
from credit_portal.documents import (
    BOLD_FONT,
    FONTS,
    MISSING_MARK,
    REGULAR_FONT,
    Addressee,
    Fields,
    Heading,
    NumberedList,
    Numbering,
    OfficialDocument,
    Paragraph,
    pdf_response,
    render_pdf,
    unsupported_characters,
)

ROOT = Path(__file__).resolve().parents[2]

LONG = (
    "经查，你单位在2026年度“双随机、一公开”抽查中被发现存在以下问题：经营场所公示的营业执照"
    "信息与登记信息不一致，部分商品（如ABC牌电热水壶，型号DR-2000X，批次号20260312-A）未按"
    "《中华人民共和国产品质量法》第二十七条的规定标注生产者名称和地址，且进货查验记录不完整。"
    "上述行为情节轻微并已及时改正，依法可不予行政处罚，但存在一定的质量安全风险。"
)


def _document(**overrides) -> OfficialDocument:
    fields = {
        "title": "行政建议书",
        "number": "双市监建〔2026〕12号",
        "date": dt.date(2026, 12, 7),
        "issuer": "成都市双流区市场监督管理局",
        "addressee": Addressee(
            name="成都市双流区锦华商贸有限公司",
            details=["统一社会信用代码：91510122MA62XW8K5L"],
        ),
        "body": [
            Paragraph(text=LONG),
            Paragraph(
                lead="一、整改建议。",
                text="建议你单位自收到本建议书之日起十五日内，对经营场所公示信息进行核对更新，"
                "对在售商品的标签标识进行全面自查，建立健全进货查验和销售记录制度。",
            ),
            Heading(text="二、有关事项"),
            NumberedList(
                items=[
                    "整改完成后，请将整改情况书面报送我局信用监管科。",
                    "逾期未整改或整改不到位的，我局将依法予以处理，并将有关情况记入你单位信用档案。",
                ]
            ),
            Fields(items=[("整改期限", "2026年12月22日前"), ("联系电话", "028-85800000")]),
            Paragraph(text=f"{LONG}\n{LONG}"),
        ],
        "attachments": ["市场主体自查整改情况报告表"],
        "seal_placeholder": True,
        "footer": ["本文书一式两份，一份送达当事人，一份存档。", "核验码：7KQ2-M9XD"],
        "contact": "地址：成都市双流区东升街道棠湖西路一段9号　电话：028-85800000",
        "qr_payload": "https://credit.example.cn/v/7KQ2M9XD",
    }
    return OfficialDocument(**{**fields, **overrides})


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf(_document())


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _flat(text: str) -> str:
    """The text without line breaks and spaces: a paragraph as written, wherever it wrapped."""
    return re.sub(r"\s+", "", text)


def test_a_two_page_document_has_its_parts_in_the_text(pdf):
    pages = _pages(pdf)
    assert len(pages) == 2
    first, second = pages
    lines = first.splitlines()
    assert "成都市双流区市场监督管理局" in lines  # the red header, on a line of its own
    assert "行政建议书" in lines
    assert "双市监建〔2026〕12号" in lines
    assert "成都市双流区锦华商贸有限公司（统一社会信用代码：91510122MA62XW8K5L）：" in _flat(first)
    # The body across the page break, less the page numbers and the second page's head.
    everything = _flat(
        "".join(
            line
            for index, page in enumerate(pages)
            for line in page.splitlines()
            if not re.fullmatch(r"第 \d+ 页 共 \d+ 页", line)
            and not (index and line == "双市监建〔2026〕12号")
        )
    )
    # The long paragraph, three times, whole: wrapping lost no character.
    assert everything.count(_flat(LONG)) == 3
    assert "一、整改建议。建议你单位自收到本建议书之日起十五日内" in everything
    assert "1．整改完成后" in everything and "2．逾期未整改" in everything
    assert "整改期限：2026年12月22日前" in everything
    assert "附件：市场主体自查整改情况报告表" in everything
    # The closing on the last page: issuer, date in Chinese form, the notes, the contact.
    assert "成都市双流区市场监督管理局2026年12月7日" in _flat(second)
    assert "本文书一式两份，一份送达当事人，一份存档。" in second
    assert "地址：成都市双流区东升街道棠湖西路一段9号" in second
    # Page numbers; the document number heads the second page.
    assert "第 1 页 共 2 页" in first
    assert "第 2 页 共 2 页" in second
    assert "双市监建〔2026〕12号" in second.splitlines()


def test_the_pdf_says_what_it_is(pdf):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    meta = reader.metadata
    assert meta.title == "行政建议书 双市监建〔2026〕12号"
    assert meta.author == "成都市双流区市场监督管理局"
    # The creation date is the document's date (midnight in Beijing), not the time of the render.
    assert meta.creation_date == dt.datetime(2026, 12, 7, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points


def _fonts(pdf: bytes) -> list[DictionaryObject]:
    fonts = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        resources = page["/Resources"]
        for ref in resources.get("/Font", {}).values():
            font = ref.get_object() if isinstance(ref, IndirectObject) else ref
            fonts.append(font)
    return fonts


def test_every_font_is_embedded_as_a_subset(pdf):
    fonts = _fonts(pdf)
    names = {str(font["/BaseFont"]) for font in fonts}
    assert {re.sub(r"^/[A-Z]{6}\+", "", name) for name in names} == {
        "NotoSerifCJKSC",
        "NotoSerifCJKSCBold",
    }
    for font in fonts:
        assert font["/Subtype"] == "/Type0", font  # no standard 14 font, nothing from the system
        assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"])), "a subset carries a tag"
        assert font["/Encoding"] == "/Identity-H"
        assert "/ToUnicode" in font  # text can be copied and searched
        (descendant,) = font["/DescendantFonts"]
        descriptor = descendant.get_object()["/FontDescriptor"].get_object()
        embedded = [key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor]
        assert embedded == ["/FontFile2"], descriptor
        assert len(descriptor["/FontFile2"].get_object().get_data()) < 200_000  # a subset


def _embedded(pdf: bytes) -> dict[str, TTFont]:
    """The font programs the PDF embeds, by name without the subset tag."""
    programs = {}
    for font in _fonts(pdf):
        (descendant,) = font["/DescendantFonts"]
        descriptor = descendant.get_object()["/FontDescriptor"].get_object()
        data = descriptor["/FontFile2"].get_object().get_data()
        programs[re.sub(r"^/[A-Z]{6}\+", "", str(font["/BaseFont"]))] = TTFont(io.BytesIO(data))
    return programs


def _drawn(font: TTFont, char: str) -> bool:
    """Whether `font` maps `char` to a glyph with an outline (not .notdef, not blank)."""
    name = font.getBestCmap().get(ord(char))
    return name not in (None, ".notdef") and font["glyf"][name].numberOfContours > 0


def test_the_same_document_gives_the_same_bytes(pdf):
    assert render_pdf(_document()) == pdf


def test_no_line_starts_with_a_closing_mark_and_no_word_is_broken(pdf):
    lines = [line for page in _pages(pdf) for line in page.splitlines()]
    for line in lines:
        assert line[:1] not in set("，。、；：？！）》」』】〕”’"), line
        assert line[-1:] not in set("（《「『【〔“‘"), line
    # Latin words and numbers stay whole on a line.
    for word in ("DR-2000X", "20260312-A", "91510122MA62XW8K5L", "028-85800000"):
        assert any(word in line for line in lines), word
    # Full lines of the body: the same 31 characters a line (the grid), flush right.
    body = [line for line in lines if line.startswith("以下问题")]
    assert body and all(len(line) >= 30 for line in body)


def test_rare_ideographs_of_names_print_as_themselves(caplog):
    # 𠮷 (U+20BB7, extension B) and 㐀 (U+3400, extension A), 䶮 (extension A), 𠀾 (B), 𬱖
    # (E): outside GBK, met in personal and shop names; the regular face has every ideograph of
    # the font.
    document = _document(
        addressee=Addressee(name="𠮷野家餐饮有限公司"),
        body=[Paragraph(text="法定代表人：陈㐀（签名）。经营者：刘䶮、𠀾记、钱𬱖。")],
        footer=[],
        qr_payload=None,
        seal_placeholder=False,
    )
    assert unsupported_characters(document) == []
    with caplog.at_level(logging.WARNING, logger="credit_portal.documents"):
        pdf = render_pdf(document)
    assert caplog.text == ""
    text = _pages(pdf)[0]
    # 𠮷 is beyond the BMP: a surrogate pair in the ToUnicode map.
    assert "𠮷野家餐饮有限公司：" in text
    assert "法定代表人：陈㐀（签名）。经营者：刘䶮、𠀾记、钱𬱖。" in text
    assert MISSING_MARK not in text
    regular = _embedded(pdf)["NotoSerifCJKSC"]
    for char in "𠮷㐀䶮𠀾𬱖":
        assert _drawn(regular, char), f"U+{ord(char):04X}"


def test_a_character_no_font_has_prints_as_a_box_and_is_reported(caplog):
    document = _document(
        addressee=Addressee(name="𠮷野家餐饮有限公司"),
        body=[Paragraph(text="法定代表人：陈㐀（签名）😀。零宽\u200b空格不留痕迹。")],
        footer=[],
        qr_payload=None,
        seal_placeholder=False,
    )
    assert unsupported_characters(document) == ["😀"]
    with caplog.at_level(logging.WARNING, logger="credit_portal.documents"):
        pdf = render_pdf(document)
    text = _pages(pdf)[0]
    assert "𠮷野家餐饮有限公司：" in text
    assert f"法定代表人：陈㐀（签名）{MISSING_MARK}。零宽空格不留痕迹。" in text
    assert "no font has U+1F600; printed as" in caplog.text  # and only the emoji
    assert unsupported_characters(_document()) == []


def test_bold_text_falls_back_to_the_regular_face_for_a_character_outside_gb2312():
    # 堃 and 喆 are in GBK, 㐀 in extension A, 𠮷 in extension B: in the regular face, not in
    # the bold one (GB 2312).
    document = _document(
        issuer="堃喆𠮷市场监督管理局",
        title="关于堃喆㐀的行政提示书",
        body=[Heading(text="一、堃喆𠮷"), Paragraph(lead="二、喆㐀。", text="正文")],
        footer=[],
        qr_payload=None,
    )
    assert unsupported_characters(document) == []
    pdf = render_pdf(document)
    text = _pages(pdf)[0]
    for expected in ("堃喆𠮷市场监督管理局", "关于堃喆㐀的行政提示书", "一、堃喆𠮷"):
        assert expected in text
    assert "二、喆㐀。正文" in text
    fonts = _embedded(pdf)
    bold, regular = fonts["NotoSerifCJKSCBold"], fonts["NotoSerifCJKSC"]
    for char in "堃喆㐀𠮷":
        assert not _drawn(bold, char) and _drawn(regular, char), char
    for char in "关于市场监督管理局":  # GB 2312: set in bold
        assert _drawn(bold, char), char


def test_a_minimal_document_uses_the_bureau_from_the_settings(settings):
    settings.CREDIT_PORTAL = {
        **settings.CREDIT_PORTAL,
        "BUREAU_NAME": "测试区市场监督管理局",
        "BUREAU_ADDRESS": "测试路1号",
        "BUREAU_PHONE": "028-12345678",
    }
    document = OfficialDocument(
        title="送达回证", number="", date=dt.date(2027, 1, 1), body=[Paragraph(text="正文。")]
    )
    assert document.issuer == "测试区市场监督管理局"
    assert document.contact == "地址：测试路1号　电话：028-12345678"
    (page,) = _pages(render_pdf(document))
    lines = page.splitlines()
    assert lines.count("测试区市场监督管理局") == 2  # the header and the signature
    assert "2027年1月1日" in lines
    assert "地址：测试路1号　电话：028-12345678" in lines
    assert "第 1 页 共 1 页" in lines


def test_the_document_checks_what_it_is_given():
    with pytest.raises(ValueError, match="title"):
        _document(title=" ")
    with pytest.raises(TypeError, match="block"):
        _document(body=["a plain string is not a block"])
    frozen = _document(attachments=["甲"], footer=["乙"])
    assert frozen.attachments == ("甲",) and frozen.footer == ("乙",)


@pytest.mark.parametrize(
    ("numbering", "markers"),
    [
        (Numbering.CHINESE, ["一、", "十、", "十一、", "二十、", "二十一、"]),
        (
            Numbering.CHINESE_PARENTHESISED,
            ["（一）", "（十）", "（十一）", "（二十）", "（二十一）"],
        ),
        (Numbering.ARABIC, ["1．", "10．", "11．", "20．", "21．"]),
        (Numbering.ARABIC_PARENTHESISED, ["（1）", "（10）", "（11）", "（20）", "（21）"]),
    ],
)
def test_numbering(numbering, markers):
    assert [numbering.marker(n) for n in (1, 10, 11, 20, 21)] == markers


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (dt.date(2026, 12, 7), "2026年12月7日"),
        (dt.date(2027, 1, 1), "2027年1月1日"),
        (dt.date(2026, 10, 31), "2026年10月31日"),
    ],
)
def test_chinese_date(day, written):
    assert chinese_date(day) == written


def test_the_response_names_the_file_in_chinese_and_is_never_sniffed():
    body = b"%PDF-1.6 fake"
    response = pdf_response(body, filename="行政建议书-双市监建〔2026〕12号.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(body))
    assert response.content == body
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; filename=\"document.pdf\"; filename*=UTF-8''")
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9%._~-]+", encoded)  # RFC 5987 attr-chars only
    assert unquote(encoded) == "行政建议书-双市监建〔2026〕12号.pdf"


def test_the_response_as_a_download_and_with_awkward_names():
    response = pdf_response(b"x", filename="report-2026.pdf", inline=False)
    assert response["Content-Disposition"] == (
        "attachment; filename=\"report-2026.pdf\"; filename*=UTF-8''report-2026.pdf"
    )
    # No path, quote or control character reaches the header; the suffix is added.
    response = pdf_response(b"x", filename='../../etc/信"用\r\n报告')
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition
    assert unquote(disposition.split("''", 1)[1]) == "信_用_报告.pdf"


def test_the_fonts_ship_with_the_package_and_their_licence():
    assert REGULAR_FONT.is_file() and BOLD_FONT.is_file()
    assert REGULAR_FONT.stat().st_size < 16_000_000 and BOLD_FONT.stat().st_size < 4_000_000
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONTS / "OFL.txt").read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = pyproject["tool"]["setuptools"]["package-data"]["credit_portal"]
    shipped = {path.name for pattern in package_data for path in FONTS.parent.glob(pattern)}
    assert {REGULAR_FONT.name, BOLD_FONT.name, "OFL.txt"} <= shipped


def test_the_regular_face_has_every_ideograph_of_the_font_and_the_bold_face_gb2312():
    regular = set(TTFont(REGULAR_FONT, lazy=True).getBestCmap())
    bold = set(TTFont(BOLD_FONT, lazy=True).getBestCmap())
    # All of GBK's unified ideographs and of extension A (as Unicode 3.0 defined it), and
    # characters of names from the later extensions.
    assert set(range(0x4E00, 0x9FA6)) <= regular
    assert set(range(0x3400, 0x4DB6)) <= regular
    assert {0x20BB7, 0x2003E, 0x2CC56, 0x4DAE} <= regular  # 𠮷 𠀾 𬱖 䶮
    extensions = {code for code in regular if code >= 0x20000}
    assert len(extensions) > 2_000  # B to G, as far as Noto Serif CJK goes
    assert 0x1F600 not in regular  # no emoji
    # The bold face is GB 2312 (6,763 ideographs) and symbols, as before.
    ideographs = {code for code in bold if 0x4E00 <= code <= 0x9FFF}
    assert len(ideographs) == 6_763 and 0x20BB7 not in bold and 0x5803 not in bold  # 𠮷 堃

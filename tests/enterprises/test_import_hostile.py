"""Hostile and damaged import files (issue 12, points 1-3): spreadsheets cost what their data
costs, wrong encodings are refused whatever the headers, a damaged file is refused before
anything is written. Every file is made here, small, by hand (zipfile and XML text), so that a
test shows exactly what the file holds."""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import zipfile
from typing import Any
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord, Enterprise, ImportJob
from enterprises.permissions import EnterprisePerm
from enterprises.services.imports import ImportRefused, import_file_check, import_job_run
from tests.enterprises.test_import import FIELDS, VALID_ID, ZH, _job, csv_bytes, row, run

pytestmark = pytest.mark.django_db

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@pytest.fixture(autouse=True)
def _chinese(department):
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def importer(client, user_with_perms):
    user = user_with_perms(EnterprisePerm.IMPORT, EnterprisePerm.VIEW, username="importer")
    client.force_login(user)
    return user


def upload(client, data: bytes, name: str) -> Any:
    return client.post(reverse("enterprises:import"), {"file": SimpleUploadedFile(name, data)})


# --------------------------------------------------------------------------- making workbooks


def column(index: int) -> str:
    letters, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def text_row(number: int, values: list[Any]) -> str:
    cells = "".join(
        inline(f"{column(i)}{number}", str(v)) for i, v in enumerate(values) if v not in ("", None)
    )
    return f'<row r="{number}">{cells}</row>'


HEADER = text_row(1, [ZH[f] for f in FIELDS])


def data_rows(first: int, count: int, start: int = 2) -> str:
    return "".join(text_row(start + i, [row(first + i)[f] for f in FIELDS]) for i in range(count))


def workbook(
    sheet_data: str,
    *,
    strings: str | None = None,
    styles: str | None = None,
    workbook_pr: str = "",
    sheet_prolog: str = "",
    method: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """An XLSX package: `sheet_data` is the XML inside <sheetData>, `strings` the inside of
    <sst>, `styles` the inside of <styleSheet>. openpyxl reads it too (content types)."""
    shared_type = shared_rel = ""
    if strings is not None:
        shared_type = (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SML}.sharedStrings+xml"/>'
        )
        shared_rel = (
            f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    parts = {
        "[Content_Types].xml": (
            f'<Types xmlns="{PKG}/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{SML}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SML}.worksheet+xml"/>'
            + shared_type
            + f'<Override PartName="/xl/styles.xml" ContentType="{SML}.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
            f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">{workbook_pr}'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            + shared_rel
            + f'<Relationship Id="rId3" Type="{RELS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'{sheet_prolog}<worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData>'
            "</worksheet>"
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{MAIN}">'
            + (styles or '<cellXfs count="1"><xf numFmtId="0"/></cellXfs>')
            + "</styleSheet>"
        ),
    }
    if strings is not None:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{strings}</sst>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as package:
        for name, content in parts.items():
            package.writestr(name, content)
    return out.getvalue()


def shared_workbook(rows: list[list[Any]], **kwargs: Any) -> tuple[bytes, list[str]]:
    """Rows as shared strings, as Excel writes text: (workbook, the string table)."""
    table: list[str] = []
    index: dict[str, int] = {}
    xml = []
    for number, values in enumerate(rows, start=1):
        cells = []
        for i, value in enumerate(values):
            if value in ("", None):
                continue
            if isinstance(value, str):
                at = index.setdefault(value, len(table))
                if at == len(table):
                    table.append(value)
                cells.append(f'<c r="{column(i)}{number}" t="s"><v>{at}</v></c>')
            else:  # a raw cell, as given
                cells.append(value[0].format(ref=f"{column(i)}{number}"))
        xml.append(f'<row r="{number}">{"".join(cells)}</row>')
    strings = "".join(f"<si><t>{escape(s)}</t></si>" for s in table)
    return workbook("".join(xml), strings=strings, **kwargs), table


def register_rows(count: int, first: int = 0) -> list[list[Any]]:
    return [[ZH[f] for f in FIELDS]] + [[row(first + i)[f] for f in FIELDS] for i in range(count)]


def refusal(data: bytes, name: str = "register.xlsx", **kwargs: Any) -> str:
    with pytest.raises(ImportRefused) as info:
        run(data, name, **kwargs)
    assert not Enterprise.objects.exists()
    assert not CreditRecord.objects.exists()
    return info.value.message


def limits(settings, **conf: int) -> None:
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, **conf}


# --------------------------------------------------------------------------- 1: what it costs


def test_an_empty_row_bomb_is_refused_at_upload_before_it_is_unpacked(client, importer):
    """Issue 12: a header and 10,000,000 empty <row/> without a dimension (89 KB) held a web
    worker 14 s and 1 GB. Its sheet unpacks to some thousand times its packed size, which no
    spreadsheet program writes: refused from the zip's directory, nothing unpacked."""
    data = workbook(HEADER + "<row/>" * 1_000_000)
    assert len(data) < 50_000
    client.cookies["cp_language"] = "en"

    response = upload(client, data, "名录.xlsx")

    assert response.status_code == 400
    assert "more than 100 times its packed size" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert "100" in refusal(data)


def test_empty_rows_count_toward_a_row_limit(settings, user_with_perms):
    """Rows that pack less tightly still count: any <row> element counts toward five per
    allowed row (a floor of 10,000), so millions of empty rows are refused after a bounded
    read. Before, openpyxl walked every one of them and imported the row behind them."""
    limits(settings, IMPORT_MAX_ROWS=100)
    empty = "".join(f'<row r="{n}"/>' for n in range(2, 20_002))
    data = workbook(HEADER + empty + data_rows(1, 1, start=20_002))
    job = _job(user_with_perms(), data, "register.xlsx")

    assert import_job_run(job_id=job.pk) == "failed"

    job.refresh_from_db()
    assert "10,000" in job.message and "CSV" in job.message
    assert not Enterprise.objects.exists()


def test_the_upload_reads_the_header_only(client, importer, django_capture_on_commit_callbacks):
    """The upload form reads the sheet up to its header row and the shared strings that row
    needs, nothing more: a string table of 200,000 entries, cut off at its end, and a sheet
    cut off after its data cost the form nothing (openpyxl parsed every string when it opened
    the workbook). The job then refuses the damaged sheet before writing anything."""
    book, table = shared_workbook(register_rows(3))
    filler = "".join(f"<si><t>filler {i}</t></si>" for i in range(200_000))
    strings = "".join(f"<si><t>{escape(s)}</t></si>" for s in table) + filler
    sheet = zipfile.ZipFile(io.BytesIO(book)).read("xl/worksheets/sheet1.xml").decode()
    cut = sheet[: sheet.index('<row r="4">') + 30]  # row 4 cut off mid-cell
    data = workbook(cut.split("<sheetData>")[1], strings=strings[:-12])

    assert import_file_check(file=io.BytesIO(data), file_name="register.xlsx")[:2] == [
        "uscc",
        "name",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data, "名录.xlsx")

    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert "第 4 行" in job.message  # where the sheet is cut off
    assert not Enterprise.objects.exists()


def test_header_strings_anywhere_in_the_table_are_found():
    """The header's strings may sit anywhere in the table, out of order and in rich text with
    phonetic guides (the upload form keeps only them, counting the others)."""
    headers = [ZH[f] for f in FIELDS]
    filler = "".join(f"<si><t>filler {i}</t></si>" for i in range(2_000))
    strings = filler + "".join(
        f"<si><r><t>{escape(h[:1])}</t></r><r><t>{escape(h[1:])}</t></r>"
        f'<rPh sb="0" eb="1"><t>x</t></rPh></si>'
        for h in reversed(headers)
    )
    last = 2_000 + len(headers) - 1
    header = "".join(f'<c r="{column(i)}1" t="s"><v>{last - i}</v></c>' for i in range(len(FIELDS)))
    data = workbook(f'<row r="1">{header}</row>' + data_rows(1, 2), strings=strings)

    assert import_file_check(file=io.BytesIO(data), file_name="r.xlsx")[:2] == ["uscc", "name"]
    assert run(data, "register.xlsx").created == 2


def test_shared_strings_past_the_limit_are_refused(settings):
    """A file may declare millions of shared strings (6,000,000 in 250 KB held an upload 51 s):
    they cost nothing until a cell refers to one, and the table a file makes us read is
    limited (16 per allowed row, a floor of 100,000)."""
    limits(settings, IMPORT_MAX_ROWS=100)
    strings = "".join(f"<si><t>{i}</t></si>" for i in range(100_001))
    header = "".join(f'<c r="{column(i)}1" t="s"><v>{i}</v></c>' for i in range(len(FIELDS)))
    sheet = f'<row r="1">{header}</row><row r="2"><c r="A2" t="s"><v>100000</v></c></row>'
    names = "".join(f"<si><t>{escape(ZH[f])}</t></si>" for f in FIELDS)

    message = refusal(workbook(sheet, strings=names + strings))

    assert "100,000" in message


def test_text_past_the_limits_is_refused(settings):
    limits(settings, IMPORT_MAX_BYTES=512 * 1024)
    rnd = random.Random(12)
    long_texts = "".join(
        "<si><t>" + "".join(rnd.choice("abcdefghij") for _ in range(1_000)) + "</t></si>"
        for _ in range(600)
    )
    header = "".join(f'<c r="{column(i)}1" t="s"><v>{i}</v></c>' for i in range(len(FIELDS)))
    names = "".join(f"<si><t>{escape(ZH[f])}</t></si>" for f in FIELDS)
    last = len(FIELDS) + 599
    sheet = f'<row r="1">{header}</row><row r="2"><c r="B2" t="s"><v>{last}</v></c></row>'
    assert "524,288" in refusal(workbook(sheet, strings=names + long_texts))

    huge_cell = inline("B2", "名" * 40_000)
    assert "32,767" in refusal(workbook(HEADER + f'<row r="2">{huge_cell}</row>'))


def test_a_header_row_of_huge_text_is_refused_at_upload():
    """Row 1 holds column headers: the upload form reads no more than 65,536 characters of
    it, inline or shared (a sheet may hold 16,384 cells of 32,767 characters in a row)."""
    wide = "".join(inline(f"{column(i)}1", "名" * 30_000) for i in range(3))
    shared = "".join(f'<c r="{column(i)}1" t="s"><v>{i}</v></c>' for i in range(3))
    texts = "<si><t>" + "名" * 30_000 + "</t></si>"
    for data in (
        workbook(f'<row r="1">{wide}</row>'),
        workbook(f'<row r="1">{shared}</row>', strings=texts * 3),
    ):
        with pytest.raises(ImportRefused) as info:
            import_file_check(file=io.BytesIO(data), file_name="register.xlsx")
        assert "65,536" in info.value.message


def test_cells_past_the_limits_are_refused(settings):
    wide = '<row r="2">' + "<c/>" * 16_385 + "</row>"
    assert "16,384" in refusal(workbook(HEADER + wide))

    limits(settings, IMPORT_MAX_ROWS=100)
    many = "".join(f'<row r="{n}">' + "<c/>" * 1_000 + "</row>" for n in range(2, 103))
    assert "100,000" in refusal(workbook(HEADER + many))


def test_a_part_too_large_once_unpacked_is_refused_up_front(settings):
    """The sizes in the zip's directory are checked before anything is unpacked."""
    limits(settings, IMPORT_MAX_BYTES=64 * 1024)  # parts: at most 1 MiB unpacked
    padded = "".join(text_row(n, ["x" * 200]) for n in range(2, 6_000))  # 1.6 MB, packs 45:1
    data = workbook(HEADER + padded)
    assert len(data) < 64 * 1024

    assert "1 MB" in refusal(data)


def test_a_tag_of_megabytes_is_refused_before_it_is_held():
    """Expat holds a whole tag in memory before it reports it: a part may not run 1 MB
    without a ">" (here a header cell with a 1.6 MB attribute that hardly packs)."""
    noise = random.Random(5).randbytes(800_000).hex()
    cell = f'<c r="A1" t="inlineStr" note="{noise}"><is><t>{ZH["uscc"]}</t></is></c>'
    data = workbook(HEADER.replace('<row r="1">', f'<row r="1">{cell}', 1))

    with pytest.raises(ImportRefused) as info:
        import_file_check(file=io.BytesIO(data), file_name="register.xlsx")

    assert "1 MB" in info.value.message


def test_a_zip_directory_that_lies_about_sizes_is_refused_as_damaged():
    """Bytes are counted as they are unpacked: a sheet whose directory entry claims fewer
    bytes than it holds is cut where the claim ends and fails its CRC."""
    data = bytearray(workbook(HEADER + data_rows(1, 3)))
    entry = data.find(b"PK\x01\x02")
    name = b"xl/worksheets/sheet1.xml"
    while entry >= 0:  # central directory entries: name length at 28, name at 46, size at 24
        (length,) = struct.unpack_from("<H", data, entry + 28)
        if data[entry + 46 : entry + 46 + length] == name:
            struct.pack_into("<I", data, entry + 24, 100)
        entry = data.find(b"PK\x01\x02", entry + 4)

    message = refusal(bytes(data))

    assert "无法读取" in message or "XLSX" in message


def test_a_zip_of_many_entries_and_other_methods_are_refused():
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as package:
        for i in range(10_001):
            package.writestr(f"x/{i}", b"")
    assert "10,000" in refusal(many.getvalue())

    bzip2 = workbook(HEADER + data_rows(1, 1), method=zipfile.ZIP_BZIP2)
    assert "XLSX" in refusal(bzip2)


def test_a_sheet_with_a_doctype_is_refused():
    """No OOXML part has a DOCTYPE: refused, so no entity is declared, expanded or fetched
    (openpyxl expanded this one into a header)."""
    prolog = '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY code "统一社会信用代码">]>'
    header = HEADER.replace(escape(ZH["uscc"]), "&code;")
    data = workbook(header + data_rows(1, 1), sheet_prolog=prolog)

    assert "XLSX" in refusal(data)


# --------------------------------------------------------------------------- 3: damage


def _bad_index(rows: list[list[Any]]) -> list[list[Any]]:
    rows[8][1] = ('<c r="{ref}" t="s"><v>99999</v></c>',)  # row 9, its name
    return rows


def _not_a_number(rows: list[list[Any]]) -> list[list[Any]]:
    rows[8][11] = ('<c r="{ref}"><v>fifty</v></c>',)  # row 9, its registered capital
    return rows


@pytest.mark.parametrize("damage", [_bad_index, _not_a_number], ids=["index", "number"])
def test_damage_past_the_first_chunk_fails_the_job_and_writes_nothing(damage, user_with_perms):
    """Issue 12: a bad shared-string index at row 4,402 committed 4,000 rows, then failed as
    "internal error". The counting pass reads every cell as the rows are read later."""
    data, _table = shared_workbook(damage(register_rows(10)))
    job = _job(user_with_perms(), data, "register.xlsx")

    with translation.override("en"):  # the message's details, as written here
        assert import_job_run(job_id=job.pk, chunk_size=3) == "failed"

    job.refresh_from_db()
    assert "row 9" in job.message  # the spreadsheet row
    assert ("99,999" if damage is _bad_index else "fifty") in job.message
    assert "internal" not in job.message
    assert not Enterprise.objects.exists()
    assert not AuditEvent.objects.filter(event_type="enterprises.import_applied").exists()


def test_a_part_that_fails_its_crc_is_refused_before_anything_is_written():
    data = bytearray(shared_workbook(register_rows(10), method=zipfile.ZIP_STORED)[0])
    at = data.find(b'<row r="9">')
    data[at + 30] ^= 0x01  # one bit of row 9, stored: only the CRC can tell

    message = refusal(bytes(data), chunk_size=3)

    assert "CRC" in message


# --------------------------------------------------------------------------- values


DATE_STYLES = (
    '<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;'
    'd&quot;日&quot;"/></numFmts><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/>'
    '<xf numFmtId="31"/><xf numFmtId="176"/></cellXfs>'
)


@pytest.mark.parametrize(
    ("cell", "workbook_pr"),
    [
        ('<c r="{ref}" s="1"><v>43539</v></c>', ""),  # built-in 14 (m/d/yyyy)
        ('<c r="{ref}" s="2"><v>43539</v></c>', ""),  # built-in 31, zh-CN yyyy"年"m"月"d"日"
        ('<c r="{ref}" s="3"><v>43539</v></c>', ""),  # custom yyyy"年"m"月"d"日"
        ('<c r="{ref}" s="1"><v>42077</v></c>', '<workbookPr date1904="1"/>'),
        ('<c r="{ref}" t="d"><v>2019-03-15T00:00:00</v></c>', ""),
        ('<c r="{ref}" t="inlineStr"><is><t>2019年3月15日</t></is></c>', ""),
    ],
    ids=["builtin-14", "builtin-31-zh", "custom", "1904", "iso", "text"],
)
def test_registration_dates_in_xlsx(cell, workbook_pr):
    rows = register_rows(1)
    rows[1][FIELDS.index("registered_on")] = (cell,)
    data, _table = shared_workbook(rows, styles=DATE_STYLES, workbook_pr=workbook_pr)

    outcome = run(data, "register.xlsx")

    assert (outcome.created, outcome.errors) == (1, [])
    assert Enterprise.objects.get().registered_on == dt.date(2019, 3, 15)


def test_rich_text_phonetic_guides_and_escapes_read_as_written():
    """Runs of rich text are joined, phonetic guides (furigana) left out, and the _xHHHH_
    escapes Excel writes decoded (openpyxl left "_x000D_" in the text)."""
    strings = (
        "<si><r><rPr><b/></rPr><t>成都</t></r><r><t>双流</t></r>"
        '<rPh sb="0" eb="2"><t>chengdu</t></rPh><r><t>商贸有限公司</t></r></si>'
        "<si><t>日用百货_x000D_\n销售_x005F_x0041_</t></si>"
    )
    values = row(1)
    cells = []
    for i, field in enumerate(FIELDS):
        ref = f"{column(i)}2"
        if field in ("name", "business_scope"):
            cells.append(f'<c r="{ref}" t="s"><v>{int(field != "name")}</v></c>')
        elif values[field]:
            cells.append(inline(ref, values[field]))
    data = workbook(HEADER + f'<row r="2">{"".join(cells)}</row>', strings=strings)

    assert run(data, "register.xlsx").created == 1
    enterprise = Enterprise.objects.get()
    assert enterprise.name == "成都双流商贸有限公司"
    assert enterprise.business_scope == "日用百货\n销售_x0041_"


# --------------------------------------------------------------------------- 2: encodings

EN = {f: f for f in ["uscc", "name", "entity_type", "industry_division", "registered_on"]} | {
    f: f
    for f in [
        "registration_authority",
        "address",
        "division",
        "legal_rep_name",
        "legal_rep_id",
        "department",
    ]
}


def foreign_row(i: int, name: str, address: str, authority: str, person: str) -> dict[str, Any]:
    return {
        **row(i),
        "name": name,
        "entity_type": "company",
        "address": address,
        "registration_authority": authority,
        "division": address[:3],
        "legal_rep_name": person,
        "legal_rep_id": VALID_ID,
    }


BIG5_ROWS = [
    foreign_row(1, "台灣積體電路製造股份有限公司", "新竹科學園區力行六路8號", "經濟部", "魏哲家"),
    foreign_row(2, "鴻海精密工業股份有限公司", "新北市土城區自由街2號", "經濟部", "劉揚偉"),
    foreign_row(3, "統一企業股份有限公司", "臺南市永康區中正路301號", "經濟部", "羅智先"),
]
SHIFT_JIS_ROWS = [
    foreign_row(1, "トヨタ自動車株式会社", "愛知県豊田市トヨタ町1番地", "法務局", "佐藤恒治"),
    foreign_row(2, "ソニーグループ株式会社", "東京都港区港南1丁目7番1号", "法務局", "吉田憲一郎"),
    foreign_row(3, "さくら食品有限会社", "大阪府大阪市北区梅田3丁目", "法務局", "山田花子"),
]


@pytest.mark.parametrize(
    ("rows", "encoding"),
    [(BIG5_ROWS, "big5"), (SHIFT_JIS_ROWS, "shift_jis"), (SHIFT_JIS_ROWS, "cp932")],
)
def test_big5_and_shift_jis_files_are_refused_whatever_the_headers(
    client, importer, rows, encoding
):
    """Issue 12: with ASCII headers, such a file decoded as GB18030 created entities named in
    mojibake. The encoding is decided on all of the data."""
    data = csv_bytes(rows, headers=EN, encoding=encoding)

    response = upload(client, data, "名录.csv")

    assert response.status_code == 400
    assert not ImportJob.objects.exists()
    message = refusal(data, "register.csv")
    assert "UTF-8" in message and "GB18030" in message and "XLSX" in message


def test_a_file_that_reads_as_gb18030_and_as_big5_alike_is_refused():
    """Characters whose bytes are common in both GB2312 and Big5: either reading is
    plausible, so the file is refused rather than guessed."""
    both = bytes.fromhex("b0a1b0a2b0a3b0a4b0a5").decode("gb18030")  # 啊阿埃挨哎; Big5 level 1
    ambiguous = row(1, name=both, address=both, registration_authority=both, division=both)
    ambiguous.update(legal_rep_name=both[:3], entity_type="company")
    data = csv_bytes([ambiguous], headers=EN, encoding="gb18030")
    data.decode("cp950")  # a plausible Big5 reading too

    message = refusal(data, "register.csv")

    assert "Big5" in message and "UTF-8" in message


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_gb18030_files_with_rare_characters_in_names_import(encoding):
    """Rare characters of personal names (堃, 旸, 喆: GBK, outside GB2312) and, in GB18030,
    one outside the BMP (𠀾) do not make a file look foreign, with English headers too."""
    rare = "𠀾" if encoding == "gb18030" else "喆"
    rows = [
        row(1, legal_rep_name="王堃"),
        row(2, name="成都旸光餐饮管理有限公司", legal_rep_name="李喆"),
        row(3, name=f"成都市双流区{rare}记小吃店"),
    ]

    outcome = run(csv_bytes(rows, headers=EN, encoding=encoding))

    assert (outcome.created, outcome.error_rows) == (3, 0)
    names = set(Enterprise.objects.values_list("name", flat=True))
    assert f"成都市双流区{rare}记小吃店" in names and "成都旸光餐饮管理有限公司" in names
    assert set(Enterprise.objects.values_list("legal_rep_name", flat=True)) >= {"王堃", "李喆"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_files_with_and_without_bom_import(encoding):
    rows = [row(1, legal_rep_name="王堃"), foreign_row(2, "トヨタ自動車株式会社", "1", "x", "佐藤")]

    outcome = run(csv_bytes(rows, headers=EN, encoding=encoding))

    assert (outcome.created, outcome.error_rows) == (2, 0)
    assert Enterprise.objects.filter(name="トヨタ自動車株式会社").exists()

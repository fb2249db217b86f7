"""The yearly work report (issue 18 §2): a Chinese release shaped like the seed's, its three
sections, every figure of the dashboard in it, as PDF and as Word. The numbers are proved on
the text a reader gets: extracted from the PDF with pypdf and from the .docx with python-docx,
each equal to `dashboard.selectors.dashboard_for` for the same reader, year and street, and to
the values stored (distinct for every measure and key, so that a number taken from the wrong
place, or a changed one, fails). A year with no data is a report of zeros; a partner
department's report shows its own share; permissions, the API with a token, the file names and
the audit event."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from credit_portal.audit import AuditEvent
from credit_portal.models import Department, StaffProfile, User
from dashboard.measures import all_measures
from dashboard.models import Tally, TallyYear
from dashboard.report.content import LABELS, in_appendix
from dashboard.selectors import dashboard_for

pytestmark = pytest.mark.django_db

YEAR = 2025
TODAY = dt.date(2026, 3, 10)
PASSWORD = "Secret-pass-123"
VIEW = "dashboard.view_dashboard"
VIEW_RISK = "enterprises.view_risk"  # the class figures are internal (docs/domain.md §1)
STREET, OTHER_STREET = "东升街道", "西航港街道"


@pytest.fixture(autouse=True)
def _clock():
    moment = dt.datetime.combine(TODAY, dt.time(12), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


# --- Data: distinct values for every measure and key -------------------------------------------


def _keys(measure) -> list[str]:
    axis = [key for key, _label in measure.keys]
    if measure.kind == "matrix":
        return ["", *(f"{a}>{b}" for a in axis for b in axis)]
    return ["", *axis]


def fill(year: int, *, department: Department | None = None, start: int = 101) -> dict:
    """Tally rows for every measure and key: by-street measures split over two streets (the
    district figure is their sum); each value distinct (no figure equals another, none is a
    prefix-free accident). Returns {(code, key): district value}."""
    values = itertools.count(start, 7)
    expected: dict[tuple[str, str], int] = {}
    rows = []
    for code, measure in all_measures().items():
        for key in _keys(measure):
            if measure.by_street:
                a, b = next(values), next(values)
                rows += [
                    Tally(
                        year=year,
                        measure=code,
                        street=STREET,
                        department=department,
                        key=key,
                        value=a,
                    ),
                    Tally(
                        year=year,
                        measure=code,
                        street=OTHER_STREET,
                        department=department,
                        key=key,
                        value=b,
                    ),
                ]
                expected[(code, key)] = a + b
            else:
                v = next(values)
                rows.append(
                    Tally(
                        year=year, measure=code, street="", department=department, key=key, value=v
                    )
                )
                expected[(code, key)] = v
    Tally.objects.bulk_create(rows)
    TallyYear.objects.update_or_create(
        year=year,
        defaults={
            "computed_at": dt.datetime(2026, 3, 9, 1, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
            "on": dt.date(2026, 3, 9),
        },
    )
    return expected


def staff(username: str, department: Department, *perms: str) -> User:
    from django.contrib.auth.models import Permission

    user = User.objects.create_user(username=username, password=PASSWORD)
    for full in perms:
        app, codename = full.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    StaffProfile.objects.create(user=user, department=department)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def bureau() -> Department:
    return Department.objects.get_or_create(
        code="amr", defaults={"name": "区市场监督管理局", "is_bureau": True}
    )[0]


@pytest.fixture
def partner() -> Department:
    return Department.objects.create(code="eco", name="区生态环境局", is_bureau=False)


@pytest.fixture
def officer(bureau: Department) -> User:
    return staff("officer", bureau, VIEW, VIEW_RISK)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Reading what the reader gets ---------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    """The PDF's text, line breaks and justification spaces removed."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def docx_parts(content: bytes):
    document = Document(io.BytesIO(content))
    paragraphs = list(document.paragraphs)
    table = document.tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    # The header, then the figures; a section's title row (merged cells) is not a figure.
    return document, paragraphs, [rows[0], *(r for r in rows[1:] if r[0].isdigit())]


def docx_text(content: bytes) -> str:
    _document, paragraphs, rows = docx_parts(content)
    text = "".join(p.text for p in paragraphs) + "".join("".join(r) for r in rows)
    return re.sub(r"\s+", "", text)


def expected_lines(user: User, year: int, street: str = "") -> list[tuple[str, str, str]]:
    """(code, label, "value+unit") of every figure the report lists, from `dashboard_for`."""
    d = dashboard_for(user=user, year=year, street=street)
    lines = []
    for code, measure in d.measures.items():
        total, keys = in_appendix(measure)
        if not total:
            continue
        lines.append((code, LABELS.get(code, code), f"{d.value(code)}{measure.unit}"))
        if keys:
            for key, value in d.breakdown(code).items():
                lines.append((f"{code}:{key}", LABELS.get(code, code), f"{value}{measure.unit}"))
    return lines


def get(client, name: str, year: int, **query):
    return client.get(reverse(name, args=[year]), query)


# --- Tests ----------------------------------------------------------------------------------------


def test_every_figure_in_the_pdf_equals_the_dashboard(officer):
    stored = fill(YEAR)
    response = get(client_for(officer), "dashboard:report_pdf", YEAR)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    d = dashboard_for(user=officer, year=YEAR)
    assert d.computed_at is not None
    for code, measure in d.measures.items():
        total, keys = in_appendix(measure)
        if not total:
            continue
        assert d.value(code) == stored[(code, "")]  # the dashboard reads what is stored
        line = f"{LABELS[code]}：{stored[(code, '')]}{measure.unit}"
        assert line in text, line
        if keys:
            for key, value in d.breakdown(code).items():
                assert value == stored[(code, key)]
                assert f"：{value}{measure.unit}" in text
    # The seed's sentences with the year's numbers in them.
    v = lambda code: stored[(code, "")]  # noqa: E731
    for sentence in (
        f"对{v('listings_deferred')}户企业暂缓实施信用惩戒措施，{v('filed_within_buffer')}户企业在缓冲期内主动报送年度报告",
        f"发出行政建议书{v('suggestions')}份、警示告诫书{v('admonitions')}份",
        f"约谈提醒企业{v('interviews')}户",
        f"行政处罚案件累计从轻{v('lighter')}件，减轻{v('mitigated')}件，免处{v('exempted')}件，首违不罚{v('first_violation')}件",
        f"已有{v('self_corrections')}户次主体主动自我纠错",
        f"办理完成企业行政处罚信息信用修复{v('penalty_repairs')}户",
        f"累计帮助{v('enterprises_helped')}户企业纠正失信行为",
        f"已恢复个体工商户正常记载状态{v('ib_restored')}户",
        f"制定{v('inspections.plans')}个分级分类抽查方案",
        f"联合{v('inspections.joint_departments')}个部门",
        f"A类（低风险）{stored[('risk.classes', 'A')]}户",
    ):
        assert sentence in text, sentence


def test_the_pdf_is_shaped_like_the_seed(officer, settings):
    fill(YEAR)
    text = pdf_text(get(client_for(officer), "dashboard:report_pdf", YEAR).content)
    bureau = settings.CREDIT_PORTAL["BUREAU_NAME"]
    assert f"{bureau}{YEAR}年信用监管工作情况" in text
    positions = [
        text.index(heading)
        for heading in (
            "一、分类施策、融合应用推动信用监管向科学精准转变",
            "二、放管结合、宽严相济推动失信处置向事前预防延伸",
            "三、奖惩结合、优化环境推动信用服务向惠民便企转变",
            f"附表：{YEAR}年信用监管工作主要数据",
        )
    ]
    assert positions == sorted(positions)
    for lead in (
        "一是实施惩戒缓冲。",
        "二是深化柔性执法。",
        "三是深化包容审慎监管。",
        "二是优化企业信用重塑流程。",
    ):
        assert lead in text
    assert "数据统计截至2026年3月9日" in text
    assert "2026年3月10日" in text  # the report's date
    assert not re.search(r"\d,\d{3}", text)  # plain digits, as the Chinese original writes them


def test_every_figure_in_the_docx_equals_the_dashboard(officer):
    stored = fill(YEAR)
    response = get(client_for(officer), "dashboard:report_docx", YEAR)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    rows = docx_parts(response.content)[2]
    assert rows[0] == ["序号", "指标", "数量"]
    table = [(label, amount) for _n, label, amount in rows[1:]]
    lines = expected_lines(officer, YEAR)
    assert len(table) == len(lines)
    for (code, label, amount), (got_label, got_amount) in zip(lines, table, strict=True):
        assert got_label.startswith(label), (code, got_label)
        assert got_amount == amount, (code, got_amount, amount)
    d = dashboard_for(user=officer, year=YEAR)
    for code in ("listings_deferred", "suggestions", "lighter", "ib_restored", "inspections.plans"):
        assert (LABELS[code], f"{stored[(code, '')]}{d.measures[code].unit}") in table
    text = docx_text(response.content)
    assert f"对{stored[('listings_deferred', '')]}户企业暂缓实施信用惩戒措施" in text
    assert f"首违不罚{stored[('first_violation', '')]}件" in text


def test_the_docx_is_editable_with_real_styles_and_chinese_fonts(officer, settings):
    fill(YEAR)
    content = get(client_for(officer), "dashboard:report_docx", YEAR).content
    document, paragraphs, _rows = docx_parts(content)
    styles = [(p.style.name, p.text) for p in paragraphs if p.text]
    assert styles[0] == (
        "Title",
        f"{settings.CREDIT_PORTAL['BUREAU_NAME']}{YEAR}年信用监管工作情况",
    )
    headings = [text for style, text in styles if style == "Heading 1"]
    assert headings == [
        "一、分类施策、融合应用",
        "二、放管结合、宽严相济",
        "三、奖惩结合、优化环境",
        f"附表：{YEAR}年信用监管工作主要数据",
    ]
    assert [text for style, text in styles if style == "Heading 2"] == [
        "推动信用监管向科学精准转变",
        "推动失信处置向事前预防延伸",
        "推动信用服务向惠民便企转变",
    ]
    # Every run names a Chinese font for Word (w:eastAsia), no theme font overrides it.
    for paragraph in paragraphs:
        for run in paragraph.runs:
            fonts = run._element.rPr.find(qn("w:rFonts"))
            assert fonts.get(qn("w:eastAsia")) in {"宋体", "黑体", "楷体", "仿宋"}
            assert fonts.get(qn("w:eastAsiaTheme")) is None
    normal = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "仿宋"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    assert document.core_properties.author == settings.CREDIT_PORTAL["BUREAU_NAME"]
    # The lead of a point is bold, its text is not.
    point = next(p for p in paragraphs if p.text.startswith("一是实施惩戒缓冲。"))
    assert point.runs[0].bold and not point.runs[1].bold


def test_a_changed_number_changes_both_files(officer):
    stored = fill(YEAR)
    old = stored[("suggestions", "")]
    suggestions = Tally.objects.filter(year=YEAR, measure="suggestions", key="")
    suggestions.filter(street=STREET).update(value=5)
    new = 5 + suggestions.get(street=OTHER_STREET).value
    assert new != old
    client = client_for(officer)
    for name, read in (("dashboard:report_pdf", pdf_text), ("dashboard:report_docx", docx_text)):
        text = read(get(client, name, YEAR).content)
        assert f"行政建议书：{new}份" in text or f"行政建议书{new}份" in text
        assert f"行政建议书{old}份" not in text and f"行政建议书：{old}份" not in text
    assert dashboard_for(user=officer, year=YEAR).value("suggestions") == new


def test_a_street_reads_that_street(officer):
    fill(YEAR)
    client = client_for(officer)
    text = pdf_text(get(client, "dashboard:report_pdf", YEAR, street=STREET).content)
    assert f"{YEAR}年信用监管工作情况（{STREET}）" in text
    for code, label, amount in expected_lines(officer, YEAR, STREET):
        if ":" not in code:
            assert f"{label}：{amount}" in text, code
    rows = docx_parts(get(client, "dashboard:report_docx", YEAR, street=STREET).content)[2]
    assert [r[2] for r in rows[1:]] == [
        amount for _c, _l, amount in expected_lines(officer, YEAR, STREET)
    ]


def test_a_year_with_no_data_is_a_report_of_zeros(officer):
    client = client_for(officer)
    response = get(client, "dashboard:report_pdf", 2019)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "本年度数据尚未统计，各项数据均为0" in text
    assert "行政建议书：0份" in text and "暂缓列入经营异常名录（惩戒缓冲）的企业：0户" in text
    # Zeros read as sentences, not "对0户企业".
    assert "暂无企业进入惩戒缓冲期" in text and "对0户" not in text
    assert "暂未发出柔性监管文书" in text
    response = get(client, "dashboard:report_docx", 2019)
    assert response.status_code == 200
    rows = docx_parts(response.content)[2]
    assert rows[1:] and all(re.fullmatch(r"0\D+", r[2]) for r in rows[1:])


def test_a_partner_departments_report_shows_only_its_own_figures(officer, partner):
    district = fill(YEAR, start=101)
    own = fill(YEAR, department=partner, start=50_001)
    reader = staff("partner", partner, VIEW)
    client = client_for(reader)
    text = pdf_text(get(client, "dashboard:report_pdf", YEAR).content)
    assert f"区生态环境局{YEAR}年信用监管工作情况" in text
    for code in ("suggestions", "lighter", "listings_deferred", "ib_restored"):
        unit = all_measures()[code].unit
        assert f"{LABELS[code]}：{own[(code, '')]}{unit}" in text
        assert f"{LABELS[code]}：{district[(code, '')]}{unit}" not in text
    rows = docx_parts(get(client, "dashboard:report_docx", YEAR).content)[2]
    assert [r[2] for r in rows[1:]] == [a for _c, _l, a in expected_lines(reader, YEAR)]
    assert all(int(re.sub(r"\D", "", r[2])) >= 50_001 for r in rows[1:])


def test_the_report_is_chinese_whatever_the_interface_language(officer):
    fill(YEAR)
    client = client_for(officer)
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        text = docx_text(get(client, "dashboard:report_docx", YEAR).content)
    assert "一、分类施策、融合应用" in text and "Administrative" not in text


def test_who_may_download(officer, bureau):
    url = reverse("dashboard:report_pdf", args=[YEAR])
    response = Client().get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client_for(staff("clerk", bureau)).get(url).status_code == 403
    assert client_for(officer).get(reverse("dashboard:report_pdf", args=[1999])).status_code == 404
    assert (
        client_for(officer).get(reverse("dashboard:report_docx", args=[TODAY.year + 2])).status_code
        == 404
    )


def test_the_api_with_a_token(officer, bureau):
    fill(YEAR)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=officer).key}")
    response = client.get(reverse("dashboard:api_report_pdf", args=[YEAR]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        f"行政建议书：{dashboard_for(user=officer, year=YEAR).value('suggestions')}份"
        in pdf_text(response.content)
    )
    response = client.get(reverse("dashboard:api_report_docx", args=[YEAR]), {"street": STREET})
    assert response.status_code == 200
    assert docx_parts(response.content)[2][1:]
    assert APIClient().get(reverse("dashboard:api_report_pdf", args=[YEAR])).status_code in (
        401,
        403,
    )
    other = APIClient()
    other.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff('clerk', bureau)).key}"
    )
    assert other.get(reverse("dashboard:api_report_docx", args=[YEAR])).status_code == 403


def test_file_names_and_the_audit_event(officer):
    fill(YEAR)
    client = client_for(officer)
    pdf = get(client, "dashboard:report_pdf", YEAR, street=STREET)
    docx = get(client, "dashboard:report_docx", YEAR)
    assert pdf["Content-Disposition"].startswith("inline;")
    assert docx["Content-Disposition"].startswith("attachment;")
    names = [unquote(r["Content-Disposition"].split("filename*=UTF-8''")[1]) for r in (pdf, docx)]
    assert names == [f"{YEAR}年信用监管工作情况（{STREET}）.pdf", f"{YEAR}年信用监管工作情况.docx"]
    assert f'filename="work-report-{YEAR}.pdf"' in pdf["Content-Disposition"]
    events = AuditEvent.objects.filter(event_type="dashboard.report_downloaded").order_by("pk")
    assert [(e.actor_id, e.extra["year"], e.extra["street"], e.extra["form"]) for e in events] == [
        (officer.pk, YEAR, STREET, "pdf"),
        (officer.pk, YEAR, "", "docx"),
    ]


def test_the_pdf_is_the_same_bytes_twice(officer):
    fill(YEAR)
    client = client_for(officer)
    assert (
        get(client, "dashboard:report_pdf", YEAR).content
        == get(client, "dashboard:report_pdf", YEAR).content
    )


def test_an_enforcement_officer_gets_no_class_figure_or_sentence(officer, bureau):
    """The risk classes are internal: a reader without `enterprises.view_risk` (an
    enforcement officer) gets the report without them, and without a sentence about them."""
    from django.contrib.auth.models import Group

    from credit_portal.roles import Role

    stored = fill(YEAR)
    enforcer = User.objects.create_user(username="enforcer", password=PASSWORD)
    enforcer.groups.add(Group.objects.get(name=str(Role.ENFORCEMENT_OFFICER)))
    StaffProfile.objects.create(user=enforcer, department=bureau)
    assert not enforcer.has_perm(VIEW_RISK)
    client = client_for(enforcer)
    response = get(client, "dashboard:report_pdf", YEAR)
    assert response.status_code == 200
    text = pdf_text(response.content)
    docx = docx_text(get(client, "dashboard:report_docx", YEAR).content)
    for body in (text, docx):
        assert "ABCD" not in body and "风险类别" not in body and "风险等级变动" not in body
        for code in ("risk.classes", "risk.moves", "risk.moves_year"):
            assert LABELS[code] not in body
        assert f"A类（低风险）{stored[('risk.classes', 'A')]}户" not in body
    # The rest is there.
    assert f"{LABELS['lighter']}：{stored[('lighter', '')]}件" in text
    assert f"{stored[('lighter', '')]}件" in docx
    # The officer with the permission reads the class sentence.
    assert "ABCD四类" in pdf_text(get(client_for(officer), "dashboard:report_pdf", YEAR).content)

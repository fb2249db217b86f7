"""The yearly work report as data (issue 18 §2): a `Report` built from the ONE `Dashboard`
object the page and the API read (`dashboard.selectors.dashboard_for`), so that every number
in the report equals the dashboard's by construction.

The report is a release in Chinese shaped like the seed's (docs/domain.md Appendix A; the
seed `000_ecc1c2c54fe41abc.txt`): an opening paragraph, then its three sections

    一、分类施策、融合应用　推动信用监管向科学精准转变
    二、放管结合、宽严相济　推动失信处置向事前预防延伸
    三、奖惩结合、优化环境　推动信用服务向惠民便企转变

each of three points written "一是……。二是……。三是……。" as prose with the year's figures in
it, and an appendix (附表) listing every figure of the dashboard with its unit. It is always
Chinese (an official release), whatever the reader's interface language; a clerk edits the
Word file before it goes out, so the prose is a draft in the bureau's voice, not a form.

Numbers are written as the Chinese original writes them: plain digits, no thousands separator
("对3167户企业", "21078户"), the unit right after the number. A figure of 0 reads as a
sentence of its own ("本年度暂无……") where "0户企业……" would read oddly; the appendix lists
it as "0户" all the same.

Who reads what: `dashboard_for` scopes the figures (bureau staff: the district; a partner
department's staff: its own share), and the issuer follows: the bureau's name
(`CREDIT_PORTAL["BUREAU_NAME"]`, as `credit_portal.documents` signs) for the district, the
department's name for a partner department's report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from credit_portal.dates import chinese_date
from credit_portal.models import Department, StaffProfile, User

# The seed's sections: (number, heading, subtitle).
SECTIONS: dict[int, tuple[str, str, str]] = {
    1: ("一", "分类施策、融合应用", "推动信用监管向科学精准转变"),
    2: ("二", "放管结合、宽严相济", "推动失信处置向事前预防延伸"),
    3: ("三", "奖惩结合、优化环境", "推动信用服务向惠民便企转变"),
}

# Chinese names of the measures the report knows (the appendix's labels). A measure not
# listed here (one added later) is named by its own label translated to Chinese.
LABELS: dict[str, str] = {
    # Section 1 (dashboard.measures.risk, .inspections).
    "risk.classes": "参与信用风险分类的企业",
    "risk.moves": "年度最后一次分类中风险等级变动的企业",
    "risk.moves_year": "全年企业风险等级变动",
    "inspections.plans": "分级分类抽查方案",
    "inspections.joint_plans": "部门联合抽查方案",
    "inspections.joint_departments": "参与部门联合抽查的部门",
    "inspections.done": "完成检查并记录结果",
    "inspections.problems": "检查发现问题",
    "inspections.class_done": "双随机抽查（按抽取时风险类别）",
    "inspections.class_problems": "双随机抽查发现问题（按抽取时风险类别）",
    "inspections.publication": "检查结果应于20个工作日内公示",
    # Section 2 (dashboard.measures.remediation).
    "listings_deferred": "暂缓列入经营异常名录（惩戒缓冲）的企业",
    "filed_within_buffer": "缓冲期内主动报送年度报告的企业",
    "buffer_funnel": "惩戒缓冲办理情况",
    "suggestions": "行政建议书",
    "admonitions": "警示告诫书",
    "prompts": "行政提示书",
    "interviews": "约谈提醒企业",
    "lighter": "行政处罚案件从轻",
    "mitigated": "行政处罚案件减轻",
    "exempted": "行政处罚案件免予处罚",
    "first_violation": "首违不罚",
    "standard": "其他行政处罚案件",
    "publication_deadline": "行政处罚信息应于20个工作日内公示",
    "self_corrections": "主体主动自我纠错",
    # Section 3.
    "penalty_repairs": "完成行政处罚信息信用修复的企业",
    "enterprises_helped": "帮助纠正失信行为的企业",
    "repair_outcomes": "信用修复申请办理结果",
    "repair_decision_time": "信用修复申请办理用时",
    "removal_deadline": "经营异常名录应于5个工作日内移出",
    "ib_restored": "恢复正常记载状态的个体工商户",
    "expired_terms": "公示期满停止公示（不计入信用修复）",
}

_CLASSES = {
    "A": "A类（低风险）",
    "B": "B类（一般风险）",
    "C": "C类（较高风险）",
    "D": "D类（高风险）",
    "X": "未分类",
    "IB": "个体工商户",
    "NR": "未报送年度报告",
}
_ORIGINS = {"random": "双随机抽查", "control": "对照抽查", "triggered": "线索触发检查"}
_DEADLINES = {
    "met": "按期办结",
    "missed": "逾期办结",
    "overdue": "逾期未办结",
    "open": "尚未到期",
    "pending": "尚未到期",
}
# Key labels by measure (a key's meaning depends on its measure: "pending" is "still in the
# buffer" in the funnel, "not yet decided" for repairs).
KEY_LABELS: dict[str, dict[str, str]] = {
    "risk.classes": _CLASSES,
    "inspections.done": _ORIGINS,
    "inspections.problems": _ORIGINS,
    "inspections.class_done": _CLASSES,
    "inspections.class_problems": _CLASSES,
    "inspections.publication": {
        "met": "按期公示",
        "missed": "逾期公示或逾期未公示",
        "pending": "尚未到期",
    },
    "buffer_funnel": {
        "entered": "进入缓冲期",
        "filed_in_time": "缓冲期内报送、未列入",
        "listed": "期满未报送、列入",
        "pending": "尚在缓冲期内",
        "closed_other": "主体注销等原因办结",
    },
    "publication_deadline": {**_DEADLINES, "met": "按期公示", "missed": "逾期公示"},
    "repair_outcomes": {
        "approved": "准予修复",
        "refused": "不予修复",
        "not_accepted": "不予受理",
        "withdrawn": "申请人撤回",
        "pending": "尚在办理",
    },
    "repair_decision_time": {
        "wd5": "5个工作日以内",
        "wd10": "6至10个工作日",
        "wd15": "11至15个工作日",
        "over15": "超过15个工作日",
    },
    "removal_deadline": {**_DEADLINES, "met": "按期移出", "missed": "逾期移出"},
}


@dataclass(frozen=True)
class FigureRow:
    """One line of the appendix: a figure (key "") or one key of a breakdown."""

    section: int
    code: str
    key: str
    label: str
    value: int
    unit: str

    @property
    def text(self) -> str:
        """The number as the report prints it: plain digits and the unit ("3167户")."""
        return number(self.value, self.unit)


@dataclass(frozen=True)
class Point:
    """One point of a section, "一是……。": its run-in lead and its text."""

    lead: str
    text: str


@dataclass(frozen=True)
class Section:
    index: int  # 1, 2, 3 (`Measure.section`)
    number: str  # 一, 二, 三
    heading: str
    subtitle: str
    points: tuple[Point, ...]

    @property
    def title(self) -> str:
        return f"{self.number}、{self.heading}"


@dataclass(frozen=True)
class Report:
    """The report as data; `pdf.render_pdf` and `docx.render_docx` set it."""

    issuer: str
    year: int
    street: str
    title: str
    date: dt.date
    as_of: dt.date | None  # the day the figures were counted (None: never counted)
    opening: str
    sections: tuple[Section, ...]
    figures: tuple[FigureRow, ...]
    appendix_title: str
    notes: tuple[str, ...] = field(default=())

    def filename(self, extension: str) -> str:
        street = f"（{self.street}）" if self.street else ""
        return f"{self.year}年信用监管工作情况{street}.{extension}"


def number(value: int, unit: str) -> str:
    """Plain digits as the seed writes them (3167, 21078), the unit right after."""
    return f"{int(value)}{unit}"


def _label(dashboard: Any, code: str) -> str:
    if code in LABELS:
        return LABELS[code]
    with translation.override("zh-hans"):
        return str(dashboard.measures[code].label)


def _key_label(dashboard: Any, code: str, key: str) -> str:
    if key in KEY_LABELS.get(code, {}):
        return KEY_LABELS[code][key]
    labels = dashboard.labels(code)
    with translation.override("zh-hans"):
        return str(labels.get(key, key))


def in_appendix(measure: Any) -> tuple[bool, bool]:
    """(the measure's total is listed, its keys are listed): a figure and a breakdown with
    its keys; a matrix (class movement) by its total only, its cells being the page's table;
    a month-by-month series (a chart's data, `extra["chart"]`) not at all."""
    if measure.extra.get("chart"):
        return False, False
    return True, measure.kind == "breakdown"


def figure_rows(dashboard: Any) -> list[FigureRow]:
    """Every figure of the dashboard in its order (`in_appendix`): each measure's total and,
    for a breakdown, each of its keys ("参与信用风险分类的企业中A类（低风险）")."""
    rows: list[FigureRow] = []
    for code, measure in dashboard.measures.items():
        total, keys = in_appendix(measure)
        if not total:
            continue
        label = _label(dashboard, code)
        rows.append(
            FigureRow(measure.section, code, "", label, dashboard.value(code), measure.unit)
        )
        if keys:
            for key, value in dashboard.breakdown(code).items():
                rows.append(
                    FigureRow(
                        measure.section,
                        code,
                        key,
                        f"{label}中{_key_label(dashboard, code, key)}",
                        value,
                        measure.unit,
                    )
                )
    return rows


class _Figures:
    """The dashboard's values for the prose: `n(code)` is "3167户", `v(code)` the int; a
    measure the dashboard does not declare reads as absent (`has`)."""

    def __init__(self, dashboard: Any) -> None:
        self.dashboard = dashboard

    def has(self, code: str) -> bool:
        return code in self.dashboard.measures

    def v(self, code: str, key: str = "") -> int:
        return int(self.dashboard.value(code, key)) if self.has(code) else 0

    def n(self, code: str, key: str = "") -> str:
        return number(self.v(code, key), self.dashboard.measures[code].unit)

    def first(self, *codes: str) -> str | None:
        return next((c for c in codes if self.has(c)), None)


def _join(parts: list[str], *, last: str = "、") -> str:
    return last.join(parts)


def _section_one(f: _Figures, since: str) -> Iterator[Point]:
    text = (
        "全面贯彻落实企业信用风险分类管理工作方案，科学研判企业违法失信的风险高低，依托"
        "“静态+动态”“通用+行业”“信用+风险”管理模式，深化“信息归集、精准画像、智能感知、"
        "科学分类、高效处置、结果回溯”闭环管理，多维度开展企业信用信息线上核查，提升监管精准性。"
    )
    yield Point("一是精准绘制企业“信用画像”。", text)

    # The class figures are internal (docs/domain.md §1): a reader without them
    # (`dashboard.selectors.measures_for`) gets no class sentence at all.
    text = ""
    if f.has("risk.classes"):
        text += "根据信用风险分类结果将企业分为ABCD四类风险等级。"
        unit = f.dashboard.measures["risk.classes"].unit
        classes = [
            f"{_CLASSES[key]}{number(value, unit)}"
            for key, value in f.dashboard.breakdown("risk.classes").items()
            if key in "ABCD" and len(key) == 1
        ]
        if any(f.v("risk.classes", key) for key in "ABCD"):
            text += f"{since}最后一次分类结果中，{_join(classes)}。"
        else:
            text += f"{since}尚未形成企业信用风险分类结果。"
    if f.has("risk.moves_year") and f.v("risk.moves_year"):
        text += f"根据企业信用状况动态调整分类，全年风险等级变动{f.n('risk.moves_year')}。"
    text += "推进“双随机、一公开”监管与企业信用风险分类管理深度融合，"
    if f.v("inspections.plans"):
        text += f"制定{f.n('inspections.plans')}分级分类抽查方案，"
    text += "合理确定、动态调整抽查比例和频次。"
    if f.v("inspections.done"):
        text += f"{since}，完成检查并记录结果{f.n('inspections.done')}"
        text += (
            f"，其中发现问题{f.n('inspections.problems')}。"
            if f.v("inspections.problems")
            else "，均未发现问题。"
        )
    if f.has("inspections.class_done") and f.v("inspections.class_done"):
        unit = f.dashboard.measures["inspections.class_done"].unit
        problems = (
            f.dashboard.breakdown("inspections.class_problems")
            if f.has("inspections.class_problems")
            else {}
        )
        parts = [
            f"{_CLASSES.get(key, key)}企业抽查{number(value, unit)}、发现问题"
            f"{number(problems.get(key, 0), unit)}"
            for key, value in f.dashboard.breakdown("inspections.class_done").items()
            if value
        ]
        text += f"按抽取时的风险类别看，{_join(parts, last='；')}，检验分类结果的准确性。"
    text += (
        "在潜在风险大、社会风险高的重点领域，统筹行业风险防控和企业信用风险分类管理，"
        "强化业务协同，实行全链条监管。"
    )
    yield Point("二是深化信用风险分类结果运用。", text)

    if f.v("inspections.joint_departments"):
        joint = f"联合{f.n('inspections.joint_departments')}建立“双随机、一公开”监管联席会议机制，"
        if f.v("inspections.joint_plans"):
            joint += f"制定部门联合抽查方案{f.n('inspections.joint_plans')}，"
    else:
        joint = "完善“双随机、一公开”监管联席会议机制，"
    yield Point(
        "三是协同联动凝聚信用监管合力。",
        joint + "强化与相关单位在行政审批、企业信用信息交换共享、协同监管等方面的沟通协作、"
        "工作衔接，凝聚监管合力。",
    )


def _section_two(f: _Figures, since: str) -> Iterator[Point]:
    text = (
        "严格确立各监管阶段、范围和内容，对企业首次或比较轻微的违法行为，侧重于督促整改，"
        "引导企业合法合规经营。对符合条件的经营主体，可暂缓列入经营异常名录，保护市场主体不因"
        "“小错”影响生存。"
    )
    if f.v("listings_deferred"):
        text += f"{since}，对{f.n('listings_deferred')}企业暂缓实施信用惩戒措施，"
        if f.v("filed_within_buffer"):
            text += f"{f.n('filed_within_buffer')}企业在缓冲期内主动报送年度报告，避免信用受损。"
        else:
            text += "暂无企业在缓冲期内报送年度报告。"
    elif f.has("listings_deferred"):
        text += f"{since}，暂无企业进入惩戒缓冲期。"
    yield Point("一是实施惩戒缓冲。", text)

    text = (
        "推动市场监管行政执法由“严罚式”向“容错式”转变，积极运用预警提示、行政建议、警示告诫、"
        "约谈提醒等柔性监管方式，督促经营者自觉守法、自我纠错。"
    )
    letters = [
        f"{name}{f.n(code)}"
        for code, name in (
            ("suggestions", "行政建议书"),
            ("admonitions", "警示告诫书"),
            ("prompts", "行政提示书"),
        )
        if f.has(code) and f.v(code)
    ]
    if letters:
        letters[0] = f"发出{letters[0]}"
    if f.has("interviews") and f.v("interviews"):
        letters.append(f"约谈提醒企业{f.n('interviews')}")
    leniency = [
        f"{name}{f.n(code)}"
        for code, name in (
            ("lighter", "从轻"),
            ("mitigated", "减轻"),
            ("exempted", "免处"),
            ("first_violation", "首违不罚"),
        )
        if f.has(code) and f.v(code)
    ]
    if letters:
        text += f"{since}，{_join(letters)}；" if leniency else f"{since}，{_join(letters)}。"
    elif leniency:
        text += f"{since}，"
    if leniency:
        text += f"行政处罚案件累计{_join(leniency, last='，')}。"
    if not letters and not leniency:
        text += f"{since}，暂未发出柔性监管文书，暂无从轻、减轻、免处或首违不罚的行政处罚案件。"
    yield Point("二是深化柔性执法。", text)

    text = (
        "在不涉及人身、财产、公共安全的前提下，给予新设市场主体一年“观察期”，在登记事项等一般"
        "监管领域实行触发式双随机监管；给予歇业备案市场主体双随机抽查三年“宽容期”。对公示信息"
        "抽查中经营主体一般状态信息有误、重要信息中存在非主观故意明显错误且未造成不良影响和后果的，"
        "鼓励市场主体开展即时信息自我纠错。"
    )
    if f.v("self_corrections"):
        text += f"{since}，已有{f.n('self_corrections')}主体主动自我纠错。"
    elif f.has("self_corrections"):
        text += f"{since}，暂无主体申请自我纠错。"
    yield Point("三是深化包容审慎监管。", text)


def _section_three(f: _Figures, since: str) -> Iterator[Point]:
    yield Point(
        "一是拓展“信用+”应用场景。",
        "开展市场主体“信用加油站”服务，为市场主体提供个性化定制的信用加油、政策加油、金融加油等"
        "服务。建立消费者、商户、市场管理、市场监管四方通话机制，主动为市场主体和社会公众提供政务"
        "信息和在线答疑，拓展信用便民惠企场景。",
    )

    text = (
        "实时跟踪失信企业信用情况，线上线下“双通道”提醒，告知信用修复途径，全流程指引信用修复。"
        "对于被列入经营异常名录公示届满的企业，无需申请，自动修复；满足信用修复公示期要求的企业，"
        "只需提交一次申请，即可实现公示系统和信用系统两网修复。"
    )
    done = []
    if f.v("penalty_repairs"):
        done.append(f"办理完成企业行政处罚信息信用修复{f.n('penalty_repairs')}")
    if f.v("enterprises_helped"):
        done.append(f"累计帮助{f.n('enterprises_helped')}企业纠正失信行为")
    if done:
        text += f"{since}，{_join(done, last='，')}。"
    elif f.has("penalty_repairs"):
        text += f"{since}，暂无办结的行政处罚信息信用修复。"
    if f.has("repair_outcomes") and f.v("repair_outcomes"):
        outcomes = [
            f"{KEY_LABELS['repair_outcomes'].get(key, key)}{number(value, '件')}"
            for key, value in f.dashboard.breakdown("repair_outcomes").items()
            if value
        ]
        text += f"共办理信用修复申请{number(f.v('repair_outcomes'), '件')}，其中{_join(outcomes)}。"
    yield Point("二是优化企业信用重塑流程。", text)

    text = (
        "年报登录更便捷，报送渠道更丰富，报告事项更精简，不再要求个体工商户填报行政机关已掌握的"
        "信息，增加“提交并公示”提醒功能。对未在规定时间内报送年报被标记为经营异常状态的个体工商户，"
        "允许自行网上补报，自动恢复状态"
    )
    if f.v("ib_restored"):
        text += (
            f"，{since}已恢复个体工商户正常记载状态{f.n('ib_restored')}，"
            "做到“呵护小生意、服务大民生”。"
        )
    else:
        text += "，做到“呵护小生意、服务大民生”。"
    yield Point("三是推出个体工商户简易便捷信用服务。", text)


_SECTION_WRITERS: dict[int, Callable[[_Figures, str], Iterator[Point]]] = {
    1: _section_one,
    2: _section_two,
    3: _section_three,
}


def report_issuer(*, user: User, district: bool) -> str:
    """Who issues the report: the bureau for the district's figures, else the reader's own
    department (a partner department's report of its own share)."""
    if not district:
        department = (
            Department.objects.filter(
                pk__in=StaffProfile.objects.filter(user=user).values("department_id")
            )
            .only("name")
            .first()
        )
        if department is not None:
            return department.name
    return str(settings.CREDIT_PORTAL.get("BUREAU_NAME") or "")


def build_report(dashboard: Any, *, issuer: str, on: dt.date | None = None) -> Report:
    """The report of `dashboard` (a `dashboard.selectors.Dashboard`), dated `on` (today)."""
    on = on or timezone.localdate()
    year = dashboard.year
    as_of = timezone.localdate(dashboard.computed_at) if dashboard.computed_at else None
    since = "今年以来" if year == on.year else f"{year}年"
    street = f"（{dashboard.street}）" if dashboard.street else ""
    place = f"{dashboard.street}" if dashboard.street else "全区"
    counted = f"数据统计截至{chinese_date(as_of)}" if as_of else "本年度数据尚未统计，各项数据均为0"
    opening = (
        f"{since}，{place}持续聚焦一流营商环境建设，深入推进“放管服”改革，创新运用信用监管这一"
        "规范市场秩序的“金钥匙”，借助信用监管“硬手段”，奋力打造营商“软环境”。现将"
        f"{year}年信用监管工作情况报告如下（{counted}）。"
    )
    f = _Figures(dashboard)
    sections = tuple(
        Section(section, number_, heading, subtitle, tuple(_SECTION_WRITERS[section](f, since)))
        for section, (number_, heading, subtitle) in SECTIONS.items()
    )
    notes = (
        "本报告数据由信用监管平台根据业务记录自动统计，与平台统计看板数据一致；发布前请核对。",
        "计量单位：户指经营主体数（同一主体计一次），户次指次数，件指案件数，份指文书数。",
    )
    return Report(
        issuer=issuer,
        year=year,
        street=dashboard.street,
        title=f"{issuer}{year}年信用监管工作情况{street}",
        date=on,
        as_of=as_of,
        opening=opening,
        sections=sections,
        figures=tuple(figure_rows(dashboard)),
        appendix_title=f"附表：{year}年信用监管工作主要数据{street}",
        notes=notes,
    )


def report_for(*, user: User, year: int, street: str = "", on: dt.date | None = None) -> Report:
    """The report of `year` (and `street`) for what `user` may see: the dashboard's figures."""
    from dashboard.selectors import dashboard_for

    dashboard = dashboard_for(user=user, year=year, street=street)
    return build_report(
        dashboard, issuer=report_issuer(user=user, district=dashboard.is_district), on=on
    )

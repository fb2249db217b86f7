"""The demo district's policy catalogue (credit_portal.demo step "station", order 420).

Ten support measures of the kind a Chengdu district publishes, written generically (titles,
benefits and document numbers are illustrative, not quotations of real documents), each saved
through `station.services.measure_save` by the demo's administrator (validated and audited
like a person's work). Their conditions are over facts only, never over the risk class (classes
are internal: docs/domain.md §1 "Visibility"). Idempotent: a measure whose code exists is left
as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

STEP_ORDER = 420

CLEAN = [
    {"type": "operating"},
    {"type": "no_abnormal_listing"},
    {"type": "not_on_serious_list"},
]

# (code, department code, title, benefit, summary, how to apply, document number, conditions)
MEASURES: list[tuple[str, str, str, str, str, str, str, list[dict[str, Any]]]] = [
    (
        "first-loan-small",
        "finance",
        "小微企业首贷信用支持",
        "首笔贷款最高 300 万元，财政贴息 50%",
        "对首次获得银行贷款的小微企业，按贷款市场报价利率的 50% 给予贴息，贴息期限不超过一年。",
        "在银行办理首贷时提交申请，银行汇总后报区财政局审核。",
        "双财发〔2026〕12号",
        [
            {"type": "entity_types", "value": ["company", "partnership", "sole_proprietorship"]},
            {"type": "capital_at_most", "value": 1000},
            *CLEAN,
            {"type": "no_penalty_in_publicity"},
            {"type": "annual_report_filed"},
        ],
    ),
    (
        "xinyidai",
        "amr",
        "“信易贷”纯信用贷款",
        "免抵押信用贷款，最高 500 万元",
        "信用记录良好的市场主体可通过“信易贷”平台申请纯信用贷款，合作银行给予优惠利率。",
        "登录“天府信用通”信易贷平台提交融资需求，可附本站开具的信用良好证明。",
        "双市监发〔2026〕31号",
        [
            *CLEAN,
            {"type": "no_penalty_in_publicity"},
            {"type": "annual_report_filed"},
            {"type": "no_overdue_letter"},
            {"type": "registered_years_at_least", "value": 1},
        ],
    ),
    (
        "ib-rent-relief",
        "commerce",
        "重点街区个体工商户租金补贴",
        "按月租金 30% 补贴，最长 6 个月",
        "对在重点商业街区经营的个体工商户给予阶段性租金补贴，支持小店经济发展。",
        "向所在街道便民服务中心提交租赁合同和营业执照复印件。",
        "双商务发〔2026〕8号",
        [
            {"type": "entity_types", "value": ["individual_business"]},
            {"type": "streets", "value": ["东升街道", "西航港街道", "九江街道"]},
            {"type": "operating"},
            {"type": "no_abnormal_listing"},
        ],
    ),
    (
        "startup-subsidy",
        "hrss",
        "初创企业一次性创业补贴",
        "一次性补贴 1 万元",
        "对成立不满三年、正常经营并吸纳就业的初创小微企业和个体工商户给予一次性创业补贴。",
        "通过区人社局网上办事大厅申报，附社保缴费证明。",
        "双人社发〔2026〕5号",
        [
            {"type": "registered_years_at_most", "value": 3},
            {"type": "capital_at_most", "value": 100},
            {"type": "operating"},
            {"type": "no_abnormal_listing"},
        ],
    ),
    (
        "catering-upgrade",
        "commerce",
        "餐饮小店提档升级奖励",
        "改造投入 20% 奖励，最高 5 万元",
        "支持住宿和餐饮业小店开展明厨亮灶、门头招牌和环境提升改造。",
        "改造完成后向区商务局提交改造清单和票据，经验收后拨付。",
        "双商务发〔2026〕11号",
        [
            {"type": "industry_sections", "value": ["H"]},
            *CLEAN,
            {"type": "no_penalty_in_publicity"},
        ],
    ),
    (
        "sti-digital",
        "sti",
        "中小企业数字化转型补助",
        "购买云服务和软件费用 30% 补助，最高 20 万元",
        "鼓励制造业和信息技术服务业中小企业上云用数、开展数字化改造。",
        "通过区经科信局项目申报系统提交，每年 3 月和 9 月集中受理。",
        "双经科信发〔2026〕17号",
        [
            {"type": "industry_sections", "value": ["C", "I"]},
            {"type": "entity_types", "value": ["company"]},
            {"type": "registered_years_at_least", "value": 1},
            *CLEAN,
            {"type": "annual_report_filed"},
        ],
    ),
    (
        "agri-coop-support",
        "agri",
        "农民专业合作社规范提升奖补",
        "规范化建设奖补 3 万元",
        "对财务规范、按时年报、无不良信用记录的农民专业合作社给予奖补。",
        "向所在镇（街道）农业服务中心申报。",
        "双农发〔2026〕4号",
        [
            {"type": "entity_types", "value": ["farmers_coop"]},
            {"type": "annual_report_filed"},
            *CLEAN,
        ],
    ),
    (
        "tax-credit-fast",
        "tax",
        "守信纳税人办税绿色通道",
        "优先办理退税，发票领用按需放宽",
        "对信用记录良好的市场主体提供办税绿色通道和发票领用便利。",
        "在办税服务厅或电子税务局说明申请，系统自动校验信用记录。",
        "双税发〔2026〕2号",
        [*CLEAN, {"type": "no_penalty_in_publicity"}, {"type": "no_overdue_letter"}],
    ),
    (
        "guarantee-fee",
        "finance",
        "政府性融资担保费补贴",
        "担保费率降至 1% 以下，差额由财政补贴",
        "小微企业和个体工商户通过政府性融资担保机构获得贷款的，担保费给予补贴。",
        "向区融资担保公司提出担保申请时一并申请补贴。",
        "双财发〔2026〕19号",
        [
            {"type": "capital_at_most", "value": 500},
            {"type": "registered_years_at_least", "value": 1},
            *CLEAN,
            {"type": "annual_report_filed"},
        ],
    ),
    (
        "credit-repair-fasttrack",
        "amr",
        "信用修复“一次办”",
        "修复申请当场受理，3 个工作日内办结",
        "已完成整改、符合修复条件的市场主体，可在线申请信用修复，材料齐全的当场受理。",
        "在本站“信用修复”页面在线提交申请。",
        "双市监发〔2026〕40号",
        [{"type": "operating"}],
    ),
]


def station_demo_build(*, as_of: Any, seed: int, stdout: Any) -> None:
    """Save the demo's policy measures (those missing), valid from 1 January of the demo year."""
    from credit_portal.models import Department, User
    from station.models import PolicyMeasure
    from station.services.catalogue import measure_save

    year = as_of.year if isinstance(as_of, dt.date) else timezone.localdate().year
    actor = User.objects.filter(username="admin").first()
    departments = {d.code: d for d in Department.objects.all()}
    existing = set(PolicyMeasure.objects.values_list("code", flat=True))
    made = 0
    for code, dept, title, benefit, summary, how, number, conditions in MEASURES:
        if code in existing:
            continue
        measure_save(
            actor=actor,
            data={
                "code": code,
                "title": title,
                "benefit": benefit,
                "summary": summary,
                "how_to_apply": how,
                "department": departments.get(dept),
                "document_number": number,
                "document_url": "",
                "valid_from": dt.date(year, 1, 1),
                "valid_until": dt.date(year + 2, 12, 31),
                "is_active": True,
                "conditions": conditions,
            },
        )
        made += 1
    stdout.write(f"  policy measures: {made} saved, {len(existing)} already there")


def declare() -> None:
    """Register the step with the demo district (from `StationConfig.ready`)."""
    from credit_portal.demo import demo_step_register

    demo_step_register("station", "station.demo.station_demo_build", STEP_ORDER)

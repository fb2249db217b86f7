"""The 行政处罚决定书 or 不予行政处罚决定书 of a penalty decision as an official document
(`penalty_decision_document`).
"""

from __future__ import annotations

from credit_portal.dates import chinese_date
from credit_portal.documents import (
    Addressee,
    Fields,
    Heading,
    NumberedList,
    OfficialDocument,
    Paragraph,
)
from enterprises.models import Enterprise
from remediation import rules
from remediation.models import PenaltyDecision
from remediation.services.penalties.common import (
    LENIENCY_ZH,
    LIST_ZH,
    WITHDRAWAL_ZH,
    Leniency,
    PartyKind,
    Status,
    measure_text_zh,
)

# --------------------------------------------------------------------------- the document

_TERM_ZH = {3: "三个月", 36: "三年"}


_NUMERALS = "〇一二三四五六七八九十"


def _cn(n: int) -> str:
    """A whole number from 0 to 99 in Chinese numerals, as documents write periods (六十日)."""
    if n <= 10:
        return _NUMERALS[n]
    tens, units = divmod(n, 10)
    head = "十" if tens == 1 else f"{_NUMERALS[tens]}十"
    return head + (_NUMERALS[units] if units else "")


def _term_zh(months: int) -> str:
    if months in _TERM_ZH:
        return _TERM_ZH[months]
    if months % 12 == 0 and months // 12 <= 10:
        return f"{_cn(months // 12)}年"
    return f"{months}个月"


def _party_fields(decision: PenaltyDecision) -> list[tuple[str, str]]:
    fields = [("当事人", decision.party_name)]
    ent = decision.enterprise
    if ent is not None:
        fields.append(("统一社会信用代码", ent.uscc))
        fields.append(("住所（经营场所）", ent.address))
        title = (
            "经营者"
            if ent.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS
            else "法定代表人（负责人）"
        )
        fields.append((title, ent.legal_rep_name))
    elif decision.party_kind == PartyKind.ORGANISATION:
        fields.append(("统一社会信用代码", decision.party_code))
    else:
        fields.append(("身份证件号码", decision.party_id_masked))
    return fields


def penalty_decision_document(decision: PenaltyDecision) -> OfficialDocument:
    """The decision as an official document (Chinese): the 行政处罚决定书, or the
    不予行政处罚决定书 for a decision not to penalise.

    Rules: the party, the facts, the provisions violated and applied, the leniency with the
    APL article and the list item it rests on, the penalties (a fine paid within 15 days,
    APL art. 67), the education given after a decision not to penalise (art. 33 para 3), the
    notice that a published penalty will be published on 国家企业信用信息公示系统 and for how
    long (Order 45 art. 8), and the remedies: reconsideration within 60 days, a lawsuit within
    6 months. A withdrawn decision says so at its foot. Issued in the deciding department's
    name (the bureau's configured name for the bureau).
    """
    vtype = decision.violation_type
    measures = list(decision.measures.all())
    no_penalty = decision.is_no_penalty
    leniency = Leniency(decision.leniency)
    details = (
        [f"统一社会信用代码：{decision.party_code}"]
        if decision.party_code
        else ([f"身份证件号码：{decision.party_id_masked}"] if decision.party_id_masked else [])
    )
    body: list[Paragraph | Heading | Fields | NumberedList] = [
        Fields(items=_party_fields(decision))
    ]
    when = f"{chinese_date(decision.violation_on)}"
    if decision.violation_ended_on:
        when += f"至{chinese_date(decision.violation_ended_on)}"
    body.append(Heading(text="一、违法事实和证据"))
    body.append(
        Paragraph(
            text=(
                f"本机关于{chinese_date(decision.discovered_on)}发现，当事人于{when}"
                f"存在{vtype.name}的行为。"
            )
        )
    )
    if decision.facts:
        body.append(Paragraph(text=decision.facts))
    body.append(Heading(text="二、违反的规定和处理依据"))
    violated = vtype.violated_provision or "有关法律、法规、规章"
    body.append(Paragraph(text=f"当事人的上述行为违反了{violated}的规定。"))
    if decision.legal_basis:
        body.append(Paragraph(text=f"依据：{decision.legal_basis}"))
    section = 3
    if leniency != Leniency.STANDARD:
        body.append(Heading(text=f"{_NUMERALS[section]}、{LENIENCY_ZH[leniency]}的理由和依据"))
        article = rules.LENIENCY_ARTICLES[leniency]
        if "art33_no_fault" in (decision.leniency_grounds or []):
            article = rules.NO_FAULT_ARTICLE
        if decision.leniency_facts:
            body.append(Paragraph(text=decision.leniency_facts))
        item = decision.leniency_item
        if item is not None:
            body.append(
                Paragraph(
                    text=(
                        f"当事人的行为符合{item.list_name}《{LIST_ZH[item.list_kind]}》"
                        f"（{item.version}）第{item.item_number}项“{item.text}”规定的情形。"
                    )
                )
            )
        if decision.corrected_on:
            body.append(
                Paragraph(text=f"当事人已于{chinese_date(decision.corrected_on)}改正违法行为。")
            )
        body.append(Paragraph(text=f"上述情形符合{article}的规定。"))
        section += 1
    if no_penalty:
        body.append(Heading(text=f"{_NUMERALS[section]}、处理决定"))
        body.append(Paragraph(text="本机关决定对当事人不予行政处罚。"))
        body.append(
            Paragraph(
                text=(
                    f"根据{rules.EDUCATION_ARTICLE}的规定，本机关对当事人进行了教育，责令其立即"
                    "停止违法行为、全面整改，并书面报告整改情况"
                    + (
                        "（警示告诫书另行送达）。"
                        if decision.pk and decision.education_actions.exists()
                        else "。"
                    )
                )
            )
        )
        body.append(Paragraph(text="本决定不属于行政处罚，不作为行政处罚信息公示。"))
    else:
        body.append(Heading(text=f"{_NUMERALS[section]}、行政处罚的内容"))
        body.append(Paragraph(text="本机关决定对当事人作出如下行政处罚："))
        body.append(
            NumberedList(
                items=[measure_text_zh(m.kind, m.amount, m.months, m.description) for m in measures]
            )
        )
        if any(m.kind == rules.FINE for m in measures):
            body.append(
                Paragraph(
                    text=(
                        f"当事人应当自收到本决定书之日起{_cn(rules.FINE_PAYMENT_DAYS)}日内，到指定的银行"
                        "或者通过电子支付系统缴纳罚款。到期不缴纳罚款的，本机关可以依照"
                        f"{rules.LATE_FINE_ARTICLE}的规定每日按罚款数额的"
                        f"百分之{_cn(rules.LATE_FINE_SURCHARGE_PERCENT)}加处罚款。"
                    )
                )
            )
        term = rules.PublicityTerm.from_code(decision.publicity_term)
        if term is not None:
            body.append(
                Paragraph(
                    text=(
                        "根据《市场监督管理行政处罚信息公示规定》第八条，本行政处罚决定信息将通过"
                        f"国家企业信用信息公示系统向社会公示，公示期为{_term_zh(term.months)}，"
                        "自公示之日起计算。"
                    )
                )
            )
    body.append(
        Paragraph(
            text=(
                f"当事人如不服本决定，可以在收到本决定书之日起{_cn(rules.RECONSIDERATION_DAYS)}日内依法"
                f"申请行政复议，也可以在{_cn(rules.LAWSUIT_MONTHS)}个月内依法向人民法院提起行政诉讼。"
                + (
                    ""
                    if no_penalty
                    else "申请行政复议或者提起行政诉讼的，行政处罚不停止执行，法律另有规定的除外。"
                )
            )
        )
    )
    footer = ["本文书一式两份，一份送达当事人，一份归档。"]
    if decision.status == Status.WITHDRAWN and decision.withdrawn_on:
        why = WITHDRAWAL_ZH[PenaltyDecision.Withdrawal(decision.withdrawal)]
        footer.append(f"本决定已于{chinese_date(decision.withdrawn_on)}撤回公示：{why}。")
    issuer: dict[str, str] = {}
    if not decision.department.is_bureau:
        issuer["issuer"] = decision.department.name
    return OfficialDocument(
        title="不予行政处罚决定书" if no_penalty else "行政处罚决定书",
        number=decision.number,
        date=decision.decided_on,
        addressee=Addressee(name=decision.party_name, details=details),
        body=body,
        seal_placeholder=True,
        footer=footer,
        **issuer,
    )

"""The seed catalogue of violation types and of the national leniency lists (docs/domain.md §6).

SAMR 国市监法〔2025〕10号 (dated 27 January 2025, published 7 February 2025) [S]:
首违不罚清单（一）, 8 items, and 轻微免罚清单（一）, 4 items; here as version "2025-01".
Each item is a type of violation of its own (the "same type" of the first-violation
look-back, §10), with the provision violated, the penalty provision and its statutory range
where the law gives one, as a clerk would prefill them; a few common types outside the lists
complete the catalogue.
Texts are Chinese (the catalogue's language); English names for the English pages.

Administrators keep the catalogue in the admin from then on. `load_penalty_catalogue` (the
management command, also run by the demo district) adds what is missing and, unless asked
(`update=True`), leaves alone what is there: a reload never undoes an administrator's edit.
The statutory ranges are the usual reading of the provisions (for food, the range when the
goods are worth less than CNY 10,000) and are to be confirmed by the bureau's legal office [U].
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from credit_portal.audit import audit_event_record
from credit_portal.models import User
from remediation.audit_events import CATALOGUE_LOADED
from remediation.models import LeniencyListItem, ViolationType

LIST_NAME = "国市监法〔2025〕10号"
LIST_VERSION = "2025-01"
LIST_VALID_FROM = dt.date(2025, 2, 7)  # published 7 February 2025

FOOD_LAW = "《中华人民共和国食品安全法》"

# code, name, English name, sector, provision violated, penalty provision,
# range kind, min, max, base kind
VIOLATION_TYPES: list[tuple[str, str, str, str, str, str, str, Any, Any, str]] = [
    (
        "food_bulk_unlicensed",
        "未取得食品经营许可从事散装食品经营活动",
        "Selling bulk food without a food-business licence",
        "food",
        f"{FOOD_LAW}第三十五条第一款",
        f"{FOOD_LAW}第一百二十二条第一款",
        "amount",
        50_000,
        100_000,
        "",
    ),
    (
        "food_licence_lapsed",
        "食品经营许可证有效期届满未延续仍从事经营",
        "Trading on a food-business licence that lapsed without renewal",
        "food",
        f"{FOOD_LAW}第三十五条第一款",
        f"{FOOD_LAW}第一百二十二条第一款",
        "amount",
        50_000,
        100_000,
        "",
    ),
    (
        "farm_produce_substandard",
        "经营不符合食品安全标准的食用农产品",
        "Selling edible farm produce that falls short of food-safety standards",
        "food",
        f"{FOOD_LAW}第三十四条",
        f"{FOOD_LAW}第一百二十四条第一款",
        "multiple",
        10,
        20,
        "goods_value",
    ),
    (
        "food_safety_management_missing",
        "未按规定建立食品安全管理制度或者未配备、培训、考核食品安全管理人员",
        "No food-safety management rules, or untrained food-safety managers",
        "food",
        f"{FOOD_LAW}第四十四条",
        f"{FOOD_LAW}第一百二十六条第一款",
        "amount",
        5_000,
        50_000,
        "",
    ),
    (
        "food_handler_no_health_certificate",
        "安排未取得健康证明的人员从事接触直接入口食品的工作",
        "Ready-to-eat food handled by staff without a health certificate",
        "food",
        f"{FOOD_LAW}第四十五条",
        f"{FOOD_LAW}第一百二十六条第一款",
        "amount",
        5_000,
        50_000,
        "",
    ),
    (
        "food_label_defect",
        "食品、食品添加剂的标签、说明书存在瑕疵",
        "Defects in food labels or instructions",
        "food",
        f"{FOOD_LAW}第七十一条",
        f"{FOOD_LAW}第一百二十五条第二款",
        "amount",
        0,
        2_000,
        "",
    ),
    (
        "health_food_sales",
        "未按规定要求销售保健食品",
        "Health food sold contrary to the rules for its sale",
        "food",
        f"{FOOD_LAW}第七十五条、第七十八条",
        f"{FOOD_LAW}第一百二十六条第一款",
        "amount",
        5_000,
        50_000,
        "",
    ),
    (
        "prescription_drug_without_prescription",
        "药品零售企业未按照规定凭处方销售处方药",
        "Prescription drugs sold by a pharmacy without a prescription",
        "drugs",
        "《药品流通监督管理办法》第十八条",
        "《药品流通监督管理办法》第三十八条",
        "amount",
        0,
        1_000,
        "",
    ),
    (
        "special_food_mixed",
        "将特殊食品与普通食品或者药品混放销售",
        "Special foods shelved together with ordinary food or drugs",
        "food",
        "《食品安全法实施条例》第三十九条",
        "《食品安全法实施条例》第七十二条",
        "amount",
        5_000,
        50_000,
        "",
    ),
    (
        "food_expired",
        "经营超过保质期的食品、食品添加剂",
        "Selling food or food additives past their shelf life",
        "food",
        f"{FOOD_LAW}第三十四条第（十）项",
        f"{FOOD_LAW}第一百二十四条第一款",
        "amount",
        50_000,
        100_000,
        "",
    ),
    (
        "food_licence_change_unreported",
        "食品经营许可事项发生变化未按规定申请变更",
        "Changes of food-business licence items not applied for",
        "food",
        "《食品经营许可和备案管理办法》第三十二条",
        "《食品经营许可和备案管理办法》第五十二条",
        "amount",
        1_000,
        10_000,
        "",
    ),
    (
        "prepackaged_label_nonconforming",
        "经营标签不符合GB 7718、GB 28050规定的预包装食品",
        "Prepackaged food whose label does not meet GB 7718 or GB 28050",
        "food",
        f"{FOOD_LAW}第六十七条",
        f"{FOOD_LAW}第一百二十五条第一款",
        "amount",
        5_000,
        50_000,
        "",
    ),
    # Common types outside the lists.
    (
        "price_marking",
        "不按规定明码标价",
        "Prices not marked as required",
        "general",
        "《中华人民共和国价格法》第十三条",
        "《价格违法行为行政处罚规定》第十三条",
        "amount",
        0,
        5_000,
        "",
    ),
    (
        "unlicensed_business",
        "无照经营",
        "Operating without a business licence",
        "general",
        "《无证无照经营查处办法》第二条",
        "《无证无照经营查处办法》第十三条",
        "amount",
        0,
        10_000,
        "",
    ),
    (
        "trademark_infringement",
        "销售侵犯注册商标专用权的商品",
        "Selling goods that infringe a registered trademark",
        "general",
        "《中华人民共和国商标法》第五十七条",
        "《中华人民共和国商标法》第六十条第二款",
        "multiple",
        0,
        5,
        "illegal_gains",
    ),
    (
        "special_equipment_unregistered",
        "特种设备未经监督检验或者未办理使用登记即投入使用",
        "Special equipment used without inspection or registration",
        "special_equipment",
        "《中华人民共和国特种设备安全法》第三十三条",
        "《中华人民共和国特种设备安全法》第八十四条",
        "amount",
        30_000,
        300_000,
        "",
    ),
]

_FV = LeniencyListItem.ListKind.FIRST_VIOLATION
_MINOR = LeniencyListItem.ListKind.MINOR
_FV_CONDITIONS = (
    "初次违法（同一经营主体两年内未发生同类违法行为），危害后果轻微，"
    "立即自行改正或者在责令改正期间已改正。"
)
_MINOR_CONDITIONS = "违法行为轻微并及时改正，且没有造成危害后果。"

# list kind, item number, violation type, item text, conditions
LIST_ITEMS: list[tuple[str, int, str, str, str]] = [
    (
        _FV,
        1,
        "food_bulk_unlicensed",
        "未取得食品经营许可从事散装食品经营活动（散装熟食销售除外）",
        _FV_CONDITIONS + "未发生食品安全事故。",
    ),
    (
        _FV,
        2,
        "food_licence_lapsed",
        "食品经营许可证有效期届满未延续的",
        _FV_CONDITIONS + "违法行为持续时间不足1个月，实际具备取得食品经营许可证的条件，"
        "许可证有效期内未发生食品安全事故。",
    ),
    (
        _FV,
        3,
        "farm_produce_substandard",
        "经营不符合食品安全标准的食用农产品",
        _FV_CONDITIONS + "非主观故意，能如实说明进货来源，未发生食品安全事故。",
    ),
    (
        _FV,
        4,
        "food_safety_management_missing",
        "食品生产经营企业未按规定建立食品安全管理制度，或者未按规定配备或者培训、考核食品安全管理人员",
        _FV_CONDITIONS,
    ),
    (
        _FV,
        5,
        "food_handler_no_health_certificate",
        "食品生产经营者安排未取得健康证明或者患有有碍食品安全疾病的人员从事接触直接入口食品的工作",
        _FV_CONDITIONS,
    ),
    (
        _FV,
        6,
        "food_label_defect",
        "生产经营的食品、食品添加剂的标签、说明书存在瑕疵但不影响食品安全且不会对消费者造成误导",
        _FV_CONDITIONS,
    ),
    (_FV, 7, "health_food_sales", "未按规定要求销售保健食品", _FV_CONDITIONS),
    (
        _FV,
        8,
        "prescription_drug_without_prescription",
        "药品零售企业未按照规定凭处方销售处方药",
        _FV_CONDITIONS,
    ),
    (
        _MINOR,
        1,
        "special_food_mixed",
        "将特殊食品与普通食品或者药品混放销售",
        _MINOR_CONDITIONS,
    ),
    (
        _MINOR,
        2,
        "food_expired",
        "经营超过保质期的食品、食品添加剂",
        _MINOR_CONDITIONS + "不属于餐饮服务环节，能如实说明进货来源，违法货值金额不超过500元，"
        "未发生食品安全事故或者食源性疾病。",
    ),
    (
        _MINOR,
        3,
        "food_licence_change_unreported",
        "食品经营许可证载明的主体业态、经营项目等许可事项发生变化，食品经营者未按照规定申请变更",
        _MINOR_CONDITIONS,
    ),
    (
        _MINOR,
        4,
        "prepackaged_label_nonconforming",
        "经营标签不符合《预包装食品标签通则》（GB 7718）或者《预包装食品营养标签通则》"
        "（GB 28050）规定的预包装食品",
        _MINOR_CONDITIONS + "属于食品经营环节，能如实说明进货来源。",
    ),
]


@dataclass(frozen=True)
class CatalogueLoaded:
    types_created: int
    types_updated: int
    items_created: int
    items_updated: int

    @property
    def changed(self) -> bool:
        return any((self.types_created, self.types_updated, self.items_created, self.items_updated))


def _amount(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


@transaction.atomic
def catalogue_load(*, actor: User | None = None, update: bool = False) -> CatalogueLoaded:
    """Load the seed catalogue (idempotent).

    Rules: a violation type is found by its code, a list item by (list, document, version,
    number); what is missing is created; what exists is left as administrators keep it, unless
    `update`, which writes the seed's values over it. Running it twice changes nothing.
    Side effects: the rows; one audit event (`penalty_catalogue_loaded`) when anything changed.
    """
    types: dict[str, ViolationType] = {}
    counts = {"types_created": 0, "types_updated": 0, "items_created": 0, "items_updated": 0}
    for order, row in enumerate(VIOLATION_TYPES, start=1):
        code, name, name_en, sector, violated, penalty, kind, low, high, base = row
        values: dict[str, Any] = {
            "name": name,
            "name_en": name_en,
            "sector": sector,
            "violated_provision": violated,
            "penalty_provision": penalty,
            "range_kind": kind,
            "range_min": _amount(low),
            "range_max": _amount(high),
            "base_kind": base,
            "sort_order": order,
        }
        found = ViolationType.objects.filter(code=code).first()
        if found is None:
            found = ViolationType.objects.create(code=code, **values)
            counts["types_created"] += 1
        elif update and any(getattr(found, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(found, k, v)
            found.save()
            counts["types_updated"] += 1
        types[code] = found
    for list_kind, number, type_code, text, conditions in LIST_ITEMS:
        key = {
            "list_kind": list_kind,
            "list_name": LIST_NAME,
            "version": LIST_VERSION,
            "item_number": number,
        }
        item_values: dict[str, Any] = {
            "text": text,
            "conditions": conditions,
            "violation_type": types[type_code],
            "valid_from": LIST_VALID_FROM,
        }
        item = LeniencyListItem.objects.filter(**key).first()
        if item is None:
            LeniencyListItem.objects.create(**key, **item_values)
            counts["items_created"] += 1
        elif update and any(getattr(item, k) != v for k, v in item_values.items()):
            for k, v in item_values.items():
                setattr(item, k, v)
            item.save()
            counts["items_updated"] += 1
    loaded = CatalogueLoaded(**counts)
    if loaded.changed:
        audit_event_record(
            actor=actor,
            event_type=CATALOGUE_LOADED,
            extra={**counts, "list": LIST_NAME, "version": LIST_VERSION},
        )
    return loaded

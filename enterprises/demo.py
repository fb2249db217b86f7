"""A deterministic synthetic district like the seed's (Shuangliu, Chengdu): the register of
market entities and a plausible credit-ledger history.

Shape (shares of all entities; docs/domain.md §3, §5, §7 and Appendix A for the rules behind them)
- entity types: individual businesses ~65 %, companies ~28 %, branches ~3 %, farmers'
  cooperatives ~1.5 %, partnerships ~1.5 %, sole proprietorships ~1 %;
- industries weighted per type (GB/T 4754-2017 divisions: retail 52, catering 62, wholesale 51,
  business services 72, software 65, construction 47-50, manufacturing C, residential
  services 80, ...);
- ages from days to four decades, ~12 % under one year (the seed's observation period);
- status: ~8 % deregistered, ~2 % revoked, ~3 % suspended now (with periods), a few past
  suspensions that ended; the rest operating;
- credit codes valid (GB 32100 check characters, embedded GB 11714 organisation-code check),
  entity digit 1/2/3 by type, division 510116, unique; old 15-digit registration numbers
  (ISO 7064 MOD 11,10) for most entities registered before the 2015 code reform;
- the ledger: a REGISTRATION record per entity; status changes; abnormal listings (~5 % of the
  entities that report: missed annual reports, some unreachable) of which many are cured and
  removed, and the uncured ones of enterprises older than three years moved to the serious
  list (some of those repaired after a year); penalties with their publicity periods
  (warning only: not public; lower-amount fines: 3 months; others: 3 years; some repaired
  early); soft-enforcement letters (not public), most answered in time, some late, some not at
  all (overdue); published inspection results.
The cached state fields (status, suspension, is_abnormal, on_serious_list, status_changed_on)
are computed from the generated records with the rules of `enterprise_state_as_of`, so the
two agree (tested).

Determinism: one `random.Random(seed)` stream consumed row by row in a fixed order, so the
same (seed, count, as_of) yields the same rows whatever the chunk size; dates are relative to
`as_of` (default today). Credit codes come from an affine permutation of the row index (unique
without a lookup). Pinyin initials are precomputed per word of the word lists, never per name.

Speed: rows are generated as tuples in chunks and written as they are by the shared bulk writer
(`credit_portal.bulk.insert_rows`: COPY on PostgreSQL, `bulk_create` elsewhere, e.g. SQLite),
all in one transaction. Primary keys are assigned here (so that `closes` can point at a record
of the same chunk; `with_pk`); the sequences are reset afterwards.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import hmac
import math
import operator
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from credit_portal.bulk import insert_rows, sequences_reset
from credit_portal.dates import add_months, add_years
from credit_portal.text import pinyin_initials
from enterprises.industries import DIVISIONS
from enterprises.kinds import REGISTRATION, STATUS_CHANGE
from enterprises.models import CreditRecord, Enterprise
from enterprises.rules import MAX_SUSPENSION_DAYS
from enterprises.state import state_fold
from enterprises.uscc import CHARSET, orgcode_check_char, regno15_check_digit, uscc_check_char

ET = Enterprise.EntityType


class Kind:
    """The kinds of fact the demo writes. The register's own come from `enterprises.kinds`; the
    others are declared by the apps that own them (remediation, annual_reports, inspections),
    which the register does not import: the demo names their codes (tests/enterprises/
    test_demo.py checks each is declared)."""

    REGISTRATION = REGISTRATION
    STATUS_CHANGE = STATUS_CHANGE
    ABNORMAL_LISTING = "abnormal_listing"
    ABNORMAL_REMOVAL = "abnormal_removal"
    SERIOUS_LISTING = "serious_listing"
    SERIOUS_REMOVAL = "serious_removal"
    PENALTY = "penalty"
    REPAIR = "repair"
    SOFT_ENFORCEMENT = "soft_enforcement"
    LETTER_REPLY = "letter_reply"
    INSPECTION_RESULT = "inspection_result"
    ANNUAL_REPORT_FILED = "annual_report_filed"


@dataclass(frozen=True)
class _Fact:
    """A generated record as the state fold reads it (`enterprises.state.Fact`)."""

    pk: int
    kind: str
    occurred_on: dt.date
    details: dict[str, Any]
    closes_id: int | None


DIVISION_CODE = "510116"  # 成都市双流区 (GB/T 2260)
OLD_COUNTY_CODE = "510122"  # 双流县, the authority code in pre-2015 registration numbers
AUTHORITY = "成都市双流区市场监督管理局"
OLD_AUTHORITY = "双流县工商行政管理局"
USCC_REFORM = dt.date(2015, 10, 1)  # 三证合一: new registrations get MA… codes
DEFAULT_CHUNK = 50_000
# A record is recorded at 10:00 on its day, China Standard Time: UTC+8 all year (so also in the
# summers of 1986-1991, when Asia/Shanghai kept daylight saving time).
RECORDED_AT = dt.time(10)
CST = dt.timezone(dt.timedelta(hours=8))
# The days a demo letter gives for the reply (the bureau's practice in the letters of
# docs/domain.md §9; each letter carries its own deadline in its details).
LETTER_REPLY_DAYS = 15

# --- word lists --------------------------------------------------------------------------

ENTITY_MIX: list[tuple[str, float]] = [
    (ET.INDIVIDUAL_BUSINESS, 65.0),
    (ET.COMPANY, 28.0),
    (ET.BRANCH, 3.0),
    (ET.FARMERS_COOP, 1.5),
    (ET.PARTNERSHIP, 1.5),
    (ET.SOLE_PROPRIETORSHIP, 1.0),
]
TYPE_ZH: dict[str, str] = {
    ET.COMPANY: "有限责任公司",
    ET.BRANCH: "分公司",
    ET.PARTNERSHIP: "合伙企业",
    ET.SOLE_PROPRIETORSHIP: "个人独资企业",
    ET.FARMERS_COOP: "农民专业合作社",
    ET.INDIVIDUAL_BUSINESS: "个体工商户",
}
ENTITY_DIGIT: dict[str, str] = {ET.INDIVIDUAL_BUSINESS: "2", ET.FARMERS_COOP: "3"}  # others "1"
EARLIEST: dict[str, dt.date] = {
    ET.COMPANY: dt.date(1986, 1, 1),
    ET.BRANCH: dt.date(1990, 1, 1),
    ET.PARTNERSHIP: dt.date(2007, 6, 1),  # limited partnerships: revised Partnership Law
    ET.SOLE_PROPRIETORSHIP: dt.date(2000, 1, 1),  # Sole Proprietorship Law
    ET.FARMERS_COOP: dt.date(2007, 7, 1),  # Farmers' Cooperatives Law
    ET.INDIVIDUAL_BUSINESS: dt.date(1984, 1, 1),
}

BRAND_CHARS = (
    "鑫源蓉锦川诚信达恒盛华泰瑞祥福兴顺丰宏安康润嘉和宜美佳德金银天新鼎汇通联创博优卓宇航"
    "星旭晨凯骏腾亿万双空港蜀西岚悦彩芯智云融益众邦利隆昌荣富海峰铭轩豪"
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰建国志文斌宇浩凯鹏俊琳婷雪梅欣怡晨阳亮"
)

# (division, weight, words). Company words go between the brand and 有限公司.
COMPANY_INDUSTRIES: list[tuple[str, float, tuple[str, ...]]] = [
    ("51", 14, ("商贸", "贸易", "供应链管理", "建材", "五金机电", "医疗器械", "农产品", "酒业")),
    ("52", 7, ("商贸", "超市", "百货", "药房", "服饰", "电器")),
    ("62", 3, ("餐饮管理", "餐饮", "火锅", "食品")),
    (
        "72",
        14,
        (
            "企业管理咨询",
            "商务信息咨询",
            "广告",
            "物业管理",
            "会展服务",
            "人力资源",
            "劳务",
            "文化传播",
        ),
    ),
    ("65", 9, ("网络科技", "信息技术", "软件", "数字科技", "智能科技")),
    ("64", 3, ("互联网科技", "电子商务")),
    ("47", 3, ("建设工程", "建筑工程")),
    ("48", 2.5, ("市政工程", "路桥建设")),
    ("49", 2, ("机电安装工程", "消防工程")),
    ("50", 3, ("建筑装饰工程", "装饰设计")),
    ("13", 1, ("农副食品", "粮油")),
    ("14", 1.5, ("食品", "食品科技")),
    ("21", 1, ("家具",)),
    ("29", 1, ("塑料制品",)),
    ("30", 1, ("新型建材", "混凝土")),
    ("33", 1.5, ("金属制品",)),
    ("34", 2, ("机械设备",)),
    ("35", 1.5, ("智能装备",)),
    ("36", 1, ("汽车配件",)),
    ("38", 1.5, ("电气",)),
    ("39", 2, ("电子科技",)),
    ("70", 3, ("房地产开发", "置业", "房产经纪")),
    ("75", 5, ("科技", "生物科技", "环保科技")),
    ("74", 3, ("工程技术", "检测技术", "设计")),
    ("77", 1, ("环境治理", "生态环境工程")),
    ("71", 2, ("设备租赁", "汽车租赁")),
    ("54", 3, ("物流", "运输", "货运")),
    ("58", 2, ("国际货运代理", "航空物流")),
    ("59", 1, ("仓储",)),
    ("61", 1, ("酒店管理",)),
    ("80", 2, ("家政服务", "婚庆服务")),
    ("81", 1, ("汽车维修",)),
    ("83", 1, ("教育咨询",)),
    ("84", 0.5, ("医疗管理",)),
    ("89", 0.5, ("体育文化",)),
    ("90", 0.5, ("文化娱乐",)),
]
# Individual businesses: the word is the shop (it carries its own ending).
IB_INDUSTRIES: list[tuple[str, float, tuple[str, ...]]] = [
    (
        "52",
        34,
        (
            "便利店",
            "超市",
            "副食店",
            "日杂店",
            "烟酒店",
            "水果店",
            "五金店",
            "手机店",
            "服装店",
            "鞋店",
            "文具店",
            "蔬菜店",
            "粮油店",
            "茶叶店",
            "母婴用品店",
            "农资店",
        ),
    ),
    (
        "62",
        24,
        (
            "面馆",
            "小吃店",
            "火锅店",
            "串串香",
            "冒菜店",
            "茶馆",
            "餐馆",
            "烧烤店",
            "豆花饭店",
            "包子铺",
            "奶茶店",
            "蛋糕店",
            "兔头店",
            "甜品店",
        ),
    ),
    ("80", 11, ("理发店", "美容美发店", "洗衣店", "摄影工作室", "美甲店", "家政服务部", "开锁店")),
    ("81", 6, ("汽车修理厂", "家电维修店", "摩托车修理部", "手机维修店", "洗车店")),
    ("51", 4, ("商贸部", "农产品经营部", "建材经营部", "食品批发部")),
    ("54", 4, ("货运部", "搬家服务部", "物流配送站")),
    ("61", 3, ("宾馆", "民宿", "旅馆")),
    ("72", 3, ("广告店", "图文设计工作室", "打印店")),
    ("01", 3, ("种植场", "蔬菜种植园")),
    ("03", 2, ("养殖场",)),
    ("13", 2, ("米粉加工坊", "豆腐坊", "面条加工坊")),
    ("84", 1.5, ("中医诊所", "口腔诊所")),
    ("89", 1, ("健身工作室",)),
    ("90", 1.5, ("棋牌室", "台球室")),
]
COOP_INDUSTRIES: list[tuple[str, float, tuple[str, ...]]] = [
    (
        "01",
        55,
        ("蔬菜种植", "水果种植", "粮食种植", "花卉苗木种植", "枇杷种植", "葡萄种植", "草莓种植"),
    ),
    ("03", 20, ("生猪养殖", "家禽养殖", "水产养殖", "蜜蜂养殖")),
    ("05", 20, ("农机服务", "植保服务", "农业技术服务")),
    ("02", 5, ("林木种植",)),
]
PARTNERSHIP_INDUSTRIES: list[tuple[str, float, tuple[str, ...]]] = [
    ("72", 60, ("企业管理咨询", "商务信息咨询", "企业管理")),
    ("67", 25, ("股权投资", "创业投资")),
    ("75", 15, ("科技",)),
]
SCOPES = {
    "01": "蔬菜、水果种植；农产品初加工；农业技术推广服务",
    "02": "林木育种和育苗；花卉种植",
    "03": "牲畜、家禽饲养；水产养殖",
    "05": "农业机械服务；农作物病虫害防治服务",
    "13": "粮食加工；食用农产品初加工",
    "14": "食品生产；食品销售",
    "21": "家具制造；家具销售",
    "29": "塑料制品制造；塑料制品销售",
    "30": "水泥制品制造；建筑材料销售",
    "33": "金属结构制造；金属制品销售",
    "34": "通用设备制造；机械设备销售",
    "35": "专用设备制造；智能控制系统集成",
    "36": "汽车零部件及配件制造",
    "38": "电气设备销售；配电开关控制设备制造",
    "39": "电子元器件制造；计算机软硬件及辅助设备零售",
    "47": "房屋建筑工程施工；建设工程施工",
    "48": "市政设施管理；土石方工程施工",
    "49": "机电设备安装；消防设施工程施工",
    "50": "住宅室内装饰装修；建筑装饰工程设计",
    "51": "日用百货销售；建筑材料销售；五金产品批发",
    "52": "日用百货销售；食品销售（仅销售预包装食品）；烟草制品零售",
    "54": "道路货物运输（不含危险货物）；普通货物仓储服务",
    "58": "国际货物运输代理；航空国际货物运输代理",
    "59": "普通货物仓储服务（不含危险化学品）；装卸搬运",
    "61": "住宿服务；酒店管理",
    "62": "餐饮服务；食品销售",
    "64": "互联网信息服务；互联网销售（除销售需要许可的商品）",
    "65": "软件开发；信息技术咨询服务；信息系统集成服务",
    "67": "以私募基金从事股权投资、投资管理、资产管理等活动",
    "70": "房地产开发经营；房地产经纪",
    "71": "机械设备租赁；小微型客车租赁经营服务",
    "72": "企业管理咨询；信息咨询服务；广告设计、代理；会议及展览服务",
    "74": "工程技术服务；检验检测服务",
    "77": "环境保护专用设备销售；固体废物治理；土壤污染治理与修复服务",
    "75": "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
    "80": "家政服务；理发服务；生活美容服务；婚庆礼仪服务",
    "81": "机动车修理和维护；家用电器修理",
    "83": "教育咨询服务（不含涉许可审批的教育培训活动）",
    "84": "诊所服务；医疗服务",
    "89": "健身休闲活动；体育赛事策划",
    "90": "棋牌室服务；娱乐性展览",
}
# Supervising department by industry section; the rest is the bureau's (code "amr").
DEPARTMENT_BY_SECTION = {
    "A": "agri",
    "N": "eco",  # the demo's partner-department inspector (env-inspector) works there
    "E": "housing",
    "G": "transport",
    "P": "edu",
    "Q": "health",
    "R": "culture",
}
# (street or town, short name, weight for firms, weight for rural entities, roads)
STREETS: list[tuple[str, str, float, float, tuple[str, ...]]] = [
    (
        "东升街道",
        "东升",
        20,
        3,
        ("棠湖中路", "棠湖西路", "白河路", "藏卫路", "花园路", "广都大道", "正通路"),
    ),
    (
        "西航港街道",
        "西航港",
        18,
        2,
        ("星空路", "双华路", "西航港大道", "空港一路", "空港二路", "物联大道"),
    ),
    ("九江街道", "九江", 10, 8, ("九江北路", "通江街", "万家路", "蛟龙大道")),
    ("黄甲街道", "黄甲", 8, 12, ("黄甲大道", "黄龙大道", "新新街")),
    ("公兴街道", "公兴", 8, 10, ("公兴大道", "牧华路", "鹿溪路")),
    ("怡心街道", "怡心", 10, 3, ("怡心湖路", "怡心街", "天府大道南段")),
    ("协和街道", "协和", 8, 4, ("协和大道", "三强东街", "华阳大道")),
    ("黄水镇", "黄水", 6, 20, ("黄水正街", "金桥路", "白果路")),
    ("彭镇", "彭镇", 6, 20, ("彭镇正街", "羊坪街", "杨柳路")),
    ("永安镇", "永安", 6, 18, ("永福路", "永安大道", "凤凰路")),
]
ID_AREAS = (
    "510122",
    "510116",
    "510104",
    "510106",
    "510107",
    "510108",
    "510124",
    "511023",
    "510681",
)

VIOLATIONS: list[tuple[str, str]] = [
    ("销售超过保质期的食品", "《中华人民共和国食品安全法》第三十四条"),
    ("未按规定明码标价", "《中华人民共和国价格法》第十三条"),
    ("发布虚假广告", "《中华人民共和国广告法》第二十八条"),
    ("使用未经检定的计量器具", "《中华人民共和国计量法》第九条"),
    ("销售不合格产品", "《中华人民共和国产品质量法》第三十九条"),
    ("未取得食品经营许可从事食品经营活动", "《中华人民共和国食品安全法》第三十五条"),
    ("未按规定公示营业执照", "《中华人民共和国市场主体登记管理条例》第三十六条"),
    ("销售侵犯注册商标专用权的商品", "《中华人民共和国商标法》第五十七条"),
    ("特种设备未经定期检验继续使用", "《中华人民共和国特种设备安全法》第四十条"),
]
LETTERS: list[tuple[str, str, str, float, tuple[str, ...]]] = [
    (
        "reminder",
        "行政提示书",
        "提",
        45,
        (
            "提醒按时报送{y}年度报告",
            "提醒营业执照记载的经营期限即将届满，请及时办理变更登记",
            "提醒及时公示股东认缴和实缴出资信息",
        ),
    ),
    (
        "suggestion",
        "行政建议书",
        "建",
        20,
        (
            "建议完善进货查验和索证索票制度",
            "建议规范商品价格标示，做到一货一签",
        ),
    ),
    (
        "warning",
        "警示告诫书",
        "警",
        25,
        (
            "经检查发现未明码标价，责令立即改正，再次违反将依法处罚",
            "经检查发现食品贮存不规范，责令十五日内整改",
        ),
    ),
    (
        "interview",
        "约谈通知书",
        "约",
        10,
        (
            "就多次被投诉的售后服务问题约谈法定代表人",
            "就预付式消费经营风险约谈经营者",
        ),
    ),
]
INSPECTION_RESULTS: list[tuple[str, str, float]] = [
    ("1", "未发现问题", 70),
    ("E", "发现问题经责令已改正", 12),
    ("F", "未发现开展本次抽查涉及的经营活动", 6),
    ("A", "发现问题待后续处理", 4),
    ("B", "未按规定公示应当公示的信息", 3),
    ("7", "已关闭停业或正在组织清算", 2),
]
INSPECTION_PLANS = (
    "企业公示信息抽查",
    "食品经营监督检查",
    "价格行为检查",
    "广告发布行为检查",
    "计量器具使用检查",
    "产品质量监督抽查",
)

# A registration's details: the status it sets and the entity type its summary names
# (`enterprises.kinds.registration_summary`), one shared dict per type.
REG_DETAILS: dict[str, dict[str, Any]] = {
    str(t): {"status": Enterprise.Status.OPERATING, "entity_type": str(t)} for t in ET.values
}


# --- helpers -----------------------------------------------------------------------------


class _Pick:
    """Weighted choice with precomputed cumulative weights (faster than random.choices)."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum: list[float] = []
        total = 0.0
        for w in weights:
            total += w
            self.cum.append(total)
        self.total = total

    def __call__(self, rnd: _FastRandom) -> Any:
        return self.items[bisect.bisect_right(self.cum, rnd.random() * self.total)]


_INITIALS: dict[str, str] = {}


def initials(word: str) -> str:
    """Pinyin initials of one word of the lists (cached: each word is converted once)."""
    got = _INITIALS.get(word)
    if got is None:
        got = pinyin_initials(word)
        _INITIALS[word] = got
    return got


def _weekday(day: dt.date) -> dt.date:
    """Move a weekend day to the Friday before (registrations and decisions are on workdays)."""
    wd = day.weekday()
    return day - dt.timedelta(days=wd - 4) if wd > 4 else day


class _FastRandom:
    """The few draws the generator needs, each built on `random.Random.random()` (about three
    times faster than `choice`/`randint`, which draw bits in a loop). Deterministic per seed."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed).random  # noqa: S311 - reproducible demo data

    def choice(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, a: int, b: int | None = None) -> int:
        if b is None:
            a, b = 0, a
        return a + int(self.random() * (b - a))

    def expovariate(self, lambd: float) -> float:
        return -math.log(1.0 - self.random()) / lambd


class _Permutation:
    """i -> (a*i + b) mod m: a bijection on [0, m) when gcd(a, m) == 1; unique codes without
    bookkeeping."""

    def __init__(self, rnd: _FastRandom, m: int, factors: Sequence[int]) -> None:
        self.m = m
        while True:
            a = rnd.randrange(m // 3, m - 1)
            if all(a % f for f in factors):
                break
        self.a, self.b = a, rnd.randrange(m)

    def __call__(self, i: int) -> int:
        return (self.a * i + self.b) % self.m


def _base31(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, r = divmod(value, 31)
        out.append(CHARSET[r])
    return "".join(reversed(out))


# --- the generator -----------------------------------------------------------------------

E_FIELDS = [
    "id",
    "uscc",
    "legacy_reg_no",
    "name",
    "former_names",
    "name_initials",
    "entity_type",
    "industry_section",
    "industry_division",
    "registered_on",
    "registration_authority",
    "address",
    "division",
    "legal_rep_name",
    "legal_rep_id_masked",
    "legal_rep_id_digest",
    "registered_capital",
    "business_scope",
    "status",
    "suspended_from",
    "suspended_until",
    "status_changed_on",
    "department_id",
    "is_abnormal",
    "on_serious_list",
]
R_FIELDS = [
    "id",
    "enterprise_id",
    "kind",
    "occurred_on",
    "is_public",
    "publicity_start",
    "publicity_end",
    "authority",
    "document_number",
    "summary",
    "details",
    "source_app",
    "source_model",
    "source_id",
    "closes_id",
    "recorded_at",  # 10:00 China Standard Time on the day (RECORDED_AT)
]


@dataclass
class Chunk:
    enterprises: list[tuple[Any, ...]] = field(default_factory=list)
    records: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Showcase:
    """Enterprises the demo users are bound to (row indexes), chosen while generating."""

    problem_company: int | None = None
    individual_business: int | None = None
    suspended: int | None = None
    clean_company: int | None = None


class DistrictGenerator:
    """Rows of the district, produced in order. Use `chunks()`; see the module docstring."""

    def __init__(
        self,
        *,
        seed: int,
        count: int,
        as_of: dt.date,
        department_ids: dict[str, int],
        first_enterprise_id: int = 1,
        first_record_id: int = 1,
    ) -> None:
        self.rnd = _FastRandom(seed)
        # The replies to letters draw from a stream of their own, so that adding them left the
        # rest of the district as it was for a seed.
        self.rnd_replies = _FastRandom(seed * 7919 + 1)
        self.count = count
        self.as_of = as_of
        self.dept = department_ids
        self.amr = department_ids["amr"]
        self.next_eid = first_enterprise_id
        self.next_rid = first_record_id
        rnd = self.rnd
        self.perm_new = _Permutation(rnd, 31**5, (31,))  # MA6 + 5 symbols
        self.perm_old = _Permutation(rnd, 10**7, (2, 5))  # old organisation codes
        self.perm_reg = _Permutation(rnd, 10**7, (2, 5))  # old registration numbers
        self.pick_type = _Pick([t for t, _ in ENTITY_MIX], [w for _, w in ENTITY_MIX])
        self.pick_company = _Pick(COMPANY_INDUSTRIES, [w for _, w, _ in COMPANY_INDUSTRIES])
        self.pick_ib = _Pick(IB_INDUSTRIES, [w for _, w, _ in IB_INDUSTRIES])
        self.pick_coop = _Pick(COOP_INDUSTRIES, [w for _, w, _ in COOP_INDUSTRIES])
        self.pick_partner = _Pick(PARTNERSHIP_INDUSTRIES, [w for _, w, _ in PARTNERSHIP_INDUSTRIES])
        self.pick_street = _Pick(STREETS, [s[2] for s in STREETS])
        self.pick_rural = _Pick(STREETS, [s[3] for s in STREETS])
        self.pick_letter = _Pick(LETTERS, [x[3] for x in LETTERS])
        self.pick_result = _Pick(INSPECTION_RESULTS, [x[2] for x in INSPECTION_RESULTS])
        self.pick_capital = _Pick(
            [10, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000, 10000],
            [8, 8, 14, 22, 12, 8, 12, 8, 4, 3, 1],
        )
        self.brand = list(BRAND_CHARS)
        self.surnames = list(SURNAMES)
        self.given = list(GIVEN)
        self.reps: list[tuple[str, str, str]] = []  # recent legal representatives (reuse)
        key = (settings.CREDIT_PORTAL.get("ID_DIGEST_KEY") or settings.SECRET_KEY).encode()
        self.hmac_base = hmac.new(key, digestmod=hashlib.sha256)
        self.doc_seq: dict[str, int] = {}
        self.recorded_at: dict[dt.date, dt.datetime] = {}  # of the records of each day
        self.showcase = Showcase()
        self.stats: dict[str, int] = {}
        for words in (BRAND_CHARS, SURNAMES, GIVEN):
            for ch in words:
                initials(ch)

    # -- small pieces

    def _doc_no(self, kind: str, year: int) -> str:
        key = f"{kind}{year}"
        n = self.doc_seq.get(key, 0) + 1
        self.doc_seq[key] = n
        return f"双市监{kind}〔{year}〕{n}号"

    def _date_between(self, start: dt.date, end: dt.date) -> dt.date:
        span = (end - start).days
        return start + dt.timedelta(days=self.rnd.randint(0, span)) if span > 0 else start

    def _person(self, registered: dt.date, *, company: bool) -> tuple[str, str, str]:
        """A legal representative; a few company representatives head several firms."""
        rnd = self.rnd
        if company and len(self.reps) > 100 and rnd.random() < 0.05:
            return self.reps[rnd.randrange(len(self.reps))]
        name = rnd.choice(self.surnames) + "".join(
            rnd.choice(self.given) for _ in range(1 if rnd.random() < 0.35 else 2)
        )
        born = registered.year - rnd.randint(22, 62)
        first17 = (
            f"{rnd.choice(ID_AREAS)}{born:04d}{rnd.randint(1, 12):02d}"
            f"{rnd.randint(1, 28):02d}{rnd.randint(0, 999):03d}"
        )
        total = sum(map(operator.mul, map(int, first17), _ID_WEIGHTS))
        number = first17 + "10X98765432"[total % 11]
        h = self.hmac_base.copy()
        h.update(number.encode())
        person = (name, number[:4] + "*" * 10 + number[-4:], h.hexdigest())
        if len(self.reps) < 2000:
            self.reps.append(person)
        else:
            self.reps[rnd.randrange(2000)] = person
        return person

    def _registered_on(self, etype: str) -> dt.date:
        rnd = self.rnd
        u = rnd.random()
        if u < 0.12:
            days = rnd.randrange(0, 365)
        elif u < 0.55:
            days = rnd.randrange(365, 5 * 365)
        elif u < 0.82:
            days = rnd.randrange(5 * 365, 12 * 365)
        elif u < 0.95:
            days = rnd.randrange(12 * 365, 25 * 365)
        else:
            days = rnd.randrange(25 * 365, 40 * 365)
        day = _weekday(self.as_of - dt.timedelta(days=days))
        earliest = EARLIEST[etype]
        if day < earliest:
            day = _weekday(earliest + dt.timedelta(days=rnd.randrange(0, 3 * 365)))
        return min(day, self.as_of)

    def _record(
        self,
        out: list[tuple[Any, ...]],
        eid: int,
        kind: str,
        on: dt.date,
        summary: str,
        *,
        public: bool,
        start: dt.date | None = None,
        end: dt.date | None = None,
        doc: str = "",
        details: dict[str, Any] | None = None,
        closes: int | None = None,
        authority: str = AUTHORITY,
        source: tuple[str, str, str] = ("", "", ""),
    ) -> int:
        rid = self.next_rid
        self.next_rid += 1
        if public and start is None:
            start = on
        recorded = self.recorded_at.get(on)
        if recorded is None:
            recorded = self.recorded_at[on] = dt.datetime.combine(on, RECORDED_AT, tzinfo=CST)
        out.append(
            (
                rid,
                eid,
                kind,
                on,
                public,
                start if public else None,
                end if public else None,
                authority,
                doc,
                summary,
                details if details is not None else {},
                *source,
                closes,
                recorded,
            )
        )
        self.stats[kind] = self.stats.get(kind, 0) + 1
        return rid

    # -- one enterprise

    def _enterprise(self, index: int, chunk: Chunk) -> None:
        rnd, as_of = self.rnd, self.as_of
        eid = self.next_eid
        self.next_eid += 1
        forced = {0: "problem", 1: "shop", 2: "suspended", 3: "clean"}.get(index)
        etype = self.pick_type(rnd)
        if forced in ("problem", "suspended", "clean"):
            etype = ET.COMPANY
        elif forced == "shop":
            etype = ET.INDIVIDUAL_BUSINESS
        registered = self._registered_on(etype)
        if forced is not None:
            registered = _weekday(as_of - dt.timedelta(days=rnd.randint(3 * 365, 6 * 365)))
        rural = etype == ET.FARMERS_COOP
        street, short, _w1, _w2, roads = (self.pick_rural if rural else self.pick_street)(rnd)
        brand = rnd.choice(self.brand) + rnd.choice(self.brand)
        # Name, industry and initials
        former: list[str] = []
        if etype == ET.INDIVIDUAL_BUSINESS:
            division, _w, words = self.pick_ib(rnd)
            word = rnd.choice(words)
            if rnd.random() < 0.4:
                sur = rnd.choice(self.surnames)
                brand = ("老" + sur, sur + "记", "小" + sur)[rnd.randrange(3)]
            parts = ["成都市双流区", brand, word]
        elif etype == ET.FARMERS_COOP:
            division, _w, words = self.pick_coop(rnd)
            parts = ["成都市双流区", short, brand, rnd.choice(words), "专业合作社"]
        elif etype == ET.PARTNERSHIP:
            division, _w, words = self.pick_partner(rnd)
            parts = ["成都", brand, rnd.choice(words), "合伙企业（有限合伙）"]
        elif etype == ET.SOLE_PROPRIETORSHIP:
            division, _w, words = self.pick_company(rnd)
            parts = ["成都", brand, rnd.choice(words), "个人独资企业"]
        else:
            division, _w, words = self.pick_company(rnd)
            prefix = ("成都", "四川", "成都", "成都市双流区", "成都空港")[rnd.randrange(5)]
            suffix = "股份有限公司" if rnd.random() < 0.02 else "有限公司"
            parts = [prefix, brand, rnd.choice(words), suffix]
            if etype == ET.BRANCH:
                parts.append(short + "分公司" if rnd.random() < 0.5 else "双流分公司")
            elif rnd.random() < 0.03:
                old_brand = rnd.choice(self.brand) + rnd.choice(self.brand)
                former = ["".join([prefix, old_brand, *parts[2:]])]
        name = "".join(parts)
        name_initials = "".join([initials(p) for p in parts])[:200]
        section = DIVISIONS[division][0]
        # Credit code and old registration number
        old = registered < USCC_REFORM and etype != ET.INDIVIDUAL_BUSINESS
        if old:
            body = str(rnd.choice("2345678")) + f"{self.perm_old(index):07d}"
        else:
            body = "MA6" + _base31(self.perm_new(index), 5)
        first17 = (
            "9" + ENTITY_DIGIT.get(etype, "1") + DIVISION_CODE + body + orgcode_check_char(body)
        )
        uscc = first17 + uscc_check_char(first17)
        legacy = ""
        if registered < USCC_REFORM and rnd.random() < 0.8:
            type_digit = "6" if etype == ET.INDIVIDUAL_BUSINESS else "0"
            first14 = OLD_COUNTY_CODE + type_digit + f"{self.perm_reg(index):07d}"
            legacy = first14 + regno15_check_digit(first14)
        authority = OLD_AUTHORITY if registered < dt.date(2015, 1, 1) else AUTHORITY
        rep_name, rep_masked, rep_digest = self._person(
            registered, company=etype in (ET.COMPANY, ET.PARTNERSHIP, ET.SOLE_PROPRIETORSHIP)
        )
        # Capital (CNY 10,000)
        capital: Decimal | None
        if etype == ET.BRANCH:
            capital = None
        elif etype == ET.INDIVIDUAL_BUSINESS:
            capital = (
                Decimal(rnd.choice((1, 2, 3, 5, 5, 10, 10, 20, 30, 50)))
                if rnd.random() < 0.7
                else None
            )
        elif etype == ET.FARMERS_COOP:
            capital = Decimal(rnd.choice((5, 10, 20, 50, 100, 200, 500)))
        elif etype == ET.SOLE_PROPRIETORSHIP:
            capital = Decimal(rnd.choice((1, 5, 10, 20, 50, 100)))
        else:
            capital = Decimal(self.pick_capital(rnd))
        road = rnd.choice(roads)
        address = f"四川省成都市双流区{street}{road}{rnd.randint(1, 888)}号"
        u = rnd.random()
        if u < 0.3:
            address += f"{rnd.randint(1, 12)}栋{rnd.randint(1, 4)}单元{rnd.randint(1, 30)}层"
        elif u < 0.45:
            address += f"附{rnd.randint(1, 30)}号"
        dept = self.dept.get(DEPARTMENT_BY_SECTION.get(section, "amr"), self.amr)

        # Ledger history -----------------------------------------------------------------
        recs = chunk.records
        first_record = len(recs)
        age = (as_of - registered).days
        self._record(
            recs,
            eid,
            Kind.REGISTRATION,
            registered,
            f"设立登记：{TYPE_ZH[etype]}",
            public=True,
            details=REG_DETAILS[etype],
            authority=authority,
            source=("enterprises", "enterprise", str(eid)),
        )
        # Final status
        status: str = Enterprise.Status.OPERATING
        u = rnd.random()
        if forced == "suspended":
            u = 0.11
        elif forced is not None:
            u = 0.5
        status_on: dt.date | None = None
        susp_from = susp_until = None
        band = (
            "deregistered"
            if u < 0.08
            else "revoked"
            if u < 0.10
            else "suspended"
            if u < 0.13
            else "resumed"
            if u < 0.14
            else ""
        )
        if band == "deregistered" and age > 60:
            status = Enterprise.Status.DEREGISTERED
            status_on = self._date_between(registered + dt.timedelta(days=30), as_of)
        elif band == "revoked" and age > 400:
            status = Enterprise.Status.REVOKED
            status_on = self._date_between(registered + dt.timedelta(days=365), as_of)
        elif band == "suspended" and age > 30:
            status = Enterprise.Status.SUSPENDED
            status_on = as_of - dt.timedelta(days=rnd.randint(1, min(age - 1, 700)))
            used = (as_of - status_on).days + 1
            susp_from = status_on
            susp_until = as_of + dt.timedelta(
                days=rnd.randint(1, max(1, min(365, MAX_SUSPENSION_DAYS - used - 1)))
            )
        elif band == "resumed" and age > 400:
            # A past suspension that ended with a resumption.
            resume_start = self._date_between(
                registered + dt.timedelta(days=30), as_of - dt.timedelta(days=320)
            )
            resumed_on = resume_start + dt.timedelta(days=rnd.randint(90, 300))
            self._record(
                recs,
                eid,
                Kind.STATUS_CHANGE,
                resume_start,
                "状态：歇业",
                public=True,
                details={
                    "status": Enterprise.Status.SUSPENDED,
                    "previous": Enterprise.Status.OPERATING,
                    "from": resume_start.isoformat(),
                    "until": (resumed_on + dt.timedelta(days=200)).isoformat(),
                    "note": "",
                },
            )
            self._record(
                recs,
                eid,
                Kind.STATUS_CHANGE,
                resumed_on,
                "状态：存续（在营、开业、在册）",
                public=True,
                details={
                    "status": Enterprise.Status.OPERATING,
                    "previous": Enterprise.Status.SUSPENDED,
                    "note": "恢复营业",
                },
            )
            status_on = resumed_on
        active_until: dt.date = (
            status_on if status_on is not None and status in ("deregistered", "revoked") else as_of
        )

        # Abnormal listing (annual report missed, or unreachable)
        if status in ("operating", "suspended") and registered.year < as_of.year:
            y_max = as_of.year if as_of >= dt.date(as_of.year, 7, 20) else as_of.year - 1
            y_min = max(registered.year + 1, 2015)
            want = rnd.random() < 0.062 or forced == "problem"
            if y_max >= y_min and want:
                year = y_max - min(int(rnd.expovariate(0.5)), y_max - y_min)
                if forced == "problem":
                    year = y_max
                unreachable = rnd.random() < 0.15 and forced != "problem"
                details: dict[str, Any]
                if unreachable:
                    seen = self._date_between(
                        max(registered + dt.timedelta(days=60), dt.date(year, 1, 1)),
                        min(as_of, dt.date(year, 12, 31)) - dt.timedelta(days=25),
                    )
                    self._record(
                        recs,
                        eid,
                        Kind.INSPECTION_RESULT,
                        seen,
                        "“双随机、一公开”抽查（企业公示信息抽查）：通过登记的住所（经营场所）无法联系",
                        public=True,
                        start=min(seen + dt.timedelta(days=rnd.randint(5, 20)), as_of),
                        details={"result_code": "6", "plan": "企业公示信息抽查"},
                    )
                    seen = min(seen, as_of)
                    listed = _weekday(seen + dt.timedelta(days=rnd.randint(10, 20)))
                    reason, reason_zh, details = (
                        "unreachable",
                        "通过登记的住所或者经营场所无法联系",
                        {"reason": "unreachable", "reason_code": "4"},
                    )
                else:
                    listed = _weekday(dt.date(year, 7, rnd.randint(8, 15)))
                    reason, reason_zh, details = (
                        "annual_report_overdue",
                        f"未按规定报送{year - 1}年度年度报告",
                        {
                            "reason": "annual_report_overdue",
                            "reason_code": "1",
                            "report_year": year - 1,
                        },
                    )
                listed = min(listed, as_of)
                if listed <= registered:
                    listed = registered
                ib = etype == ET.INDIVIDUAL_BUSINESS
                details["individual_business"] = ib
                lid = self._record(
                    recs,
                    eid,
                    Kind.ABNORMAL_LISTING,
                    listed,
                    ("标记为经营异常状态：" if ib else "列入经营异常名录：") + reason_zh,
                    public=True,
                    doc=self._doc_no("异", listed.year),
                    details=details,
                )
                three_years = _weekday(add_years(listed, 3) + dt.timedelta(days=14))
                cure_by = as_of if ib else min(as_of, add_years(listed, 3) - dt.timedelta(days=1))
                cured = forced != "problem" and (
                    rnd.random() < 0.45 or (not ib and three_years <= as_of and rnd.random() < 0.6)
                )
                first_cure = listed + dt.timedelta(days=3)
                if cured and first_cure + dt.timedelta(days=8) <= cure_by:
                    fixed = self._date_between(first_cure, cure_by - dt.timedelta(days=8))
                    if reason == "annual_report_overdue":
                        self._record(
                            recs,
                            eid,
                            Kind.ANNUAL_REPORT_FILED,
                            fixed,
                            f"补报{year - 1}年度年度报告并公示",
                            public=True,
                            details={"report_year": year - 1, "late": True},
                        )
                        why, code = f"已补报{year - 1}年度年度报告并公示", "1"
                    else:
                        why, code = "依法办理住所变更登记", "4"
                    removed = _weekday(fixed + dt.timedelta(days=rnd.randint(1, 7)))
                    removed = max(fixed, min(removed, as_of))
                    self._record(
                        recs,
                        eid,
                        Kind.ABNORMAL_REMOVAL,
                        removed,
                        ("恢复正常记载状态：" if ib else "移出经营异常名录：") + why,
                        public=True,
                        doc=self._doc_no("移", removed.year),
                        details={"reason_code": code},
                        closes=lid,
                    )
                elif not ib and three_years <= as_of:
                    # Three years uncured: off the directory, onto the serious list.
                    self._record(
                        recs,
                        eid,
                        Kind.ABNORMAL_REMOVAL,
                        three_years,
                        "移出经营异常名录：列入经营异常名录届满3年仍未履行相关义务，列入严重违法失信名单",
                        public=True,
                        details={"reason_code": "6"},
                        closes=lid,
                    )
                    sid = self._record(
                        recs,
                        eid,
                        Kind.SERIOUS_LISTING,
                        three_years,
                        "列入严重违法失信名单：被列入经营异常名录届满3年仍未履行相关义务",
                        public=True,
                        doc=self._doc_no("严", three_years.year),
                        details={"reason": "abnormal_three_years"},
                    )
                    repair_from = add_years(three_years, 1)
                    if repair_from + dt.timedelta(days=30) <= as_of and rnd.random() < 0.2:
                        out_on = self._date_between(repair_from, as_of)
                        self._record(
                            recs,
                            eid,
                            Kind.SERIOUS_REMOVAL,
                            out_on,
                            "信用修复：提前移出严重违法失信名单",
                            public=True,
                            doc=self._doc_no("修", out_on.year),
                            details={"repair": True},
                            closes=sid,
                        )

        # Penalties
        if (rnd.random() < 0.03 or forced == "problem") and age > 40:
            end_by = active_until - dt.timedelta(days=1)
            start_from = max(registered + dt.timedelta(days=30), as_of - dt.timedelta(days=5 * 365))
            if forced == "problem":
                start_from = as_of - dt.timedelta(days=200)
            if end_by > start_from:
                decided = _weekday(self._date_between(start_from, end_by))
                violation, law = rnd.choice(VIOLATIONS)
                natural = etype == ET.INDIVIDUAL_BUSINESS
                u = rnd.random()
                if forced == "problem":
                    u = 0.9
                pub_start = min(decided + dt.timedelta(days=rnd.randint(3, 28)), as_of)
                end: dt.date | None
                if u < 0.15:
                    text, public, end, band = "警告", False, None, "warning"
                elif u < 0.6:
                    amount = rnd.randint(5, 99) * (100 if natural else 1000)
                    text, public, band = f"罚款人民币{amount:,}元", True, "lower_amount"
                    end = add_months(pub_start, 3) - dt.timedelta(days=1)
                else:
                    amount = rnd.randint(10, 50) * (1000 if natural else 10000)
                    text, public, band = f"没收违法所得并罚款人民币{amount:,}元", True, "standard"
                    end = add_years(pub_start, 3) - dt.timedelta(days=1)
                pid = self._record(
                    recs,
                    eid,
                    Kind.PENALTY,
                    decided,
                    f"{violation}，违反{law}，{text}",
                    public=public,
                    start=pub_start,
                    end=end,
                    doc=self._doc_no("处罚", decided.year),
                    details={"band": band, "violation": violation},
                )
                repair_from = add_months(pub_start, 6)
                if (
                    band == "standard"
                    and forced != "problem"
                    and repair_from + dt.timedelta(days=10) <= min(as_of, end or as_of)
                    and rnd.random() < 0.15
                ):
                    self._record(
                        recs,
                        eid,
                        Kind.REPAIR,
                        self._date_between(repair_from, min(as_of, end or as_of)),
                        "信用修复：提前停止公示行政处罚信息",
                        public=False,
                        details={"repair": "penalty_publicity_ended_early"},
                        closes=pid,
                    )

        # Soft-enforcement letters (not public)
        if (rnd.random() < 0.04 or forced in ("problem", "shop")) and age > 20:
            start_from = max(registered + dt.timedelta(days=10), as_of - dt.timedelta(days=3 * 365))
            if forced is not None:
                start_from = as_of - dt.timedelta(days=120)
            if active_until > start_from:
                sent = _weekday(self._date_between(start_from, active_until))
                key, label, abbr, _w, texts = self.pick_letter(rnd)
                text = rnd.choice(texts).format(y=sent.year - 1)
                deadline = sent + dt.timedelta(days=LETTER_REPLY_DAYS)
                doc = self._doc_no(abbr, sent.year)
                letter = self._record(
                    recs,
                    eid,
                    Kind.SOFT_ENFORCEMENT,
                    sent,
                    f"{label}：{text}",
                    public=False,
                    doc=doc,
                    details={
                        "instrument": key,
                        "instrument_label": label,
                        "deadline": deadline.isoformat(),
                    },
                )
                # The reply, a record closing the letter: 60 % in time, 20 % late, the rest
                # never (overdue). The showcase's problem entity has not replied, its shop has.
                draw = {"problem": 1.0, "shop": 0.0}.get(forced or "", self.rnd_replies.random())
                if draw < 0.8:
                    replied = (
                        sent + dt.timedelta(days=self.rnd_replies.randint(3, LETTER_REPLY_DAYS))
                        if draw < 0.6
                        else deadline + dt.timedelta(days=self.rnd_replies.randint(1, 30))
                    )
                    if replied <= min(as_of, active_until):
                        self._record(
                            recs,
                            eid,
                            Kind.LETTER_REPLY,
                            replied,
                            f"收到对{label}（{doc}）的回复",
                            public=False,
                            closes=letter,
                        )

        # Published inspection results
        if (rnd.random() < 0.08 or forced in ("problem", "shop", "clean")) and age > 60:
            start_from = max(registered + dt.timedelta(days=30), as_of - dt.timedelta(days=4 * 365))
            if active_until > start_from:
                checked = _weekday(self._date_between(start_from, active_until))
                code, label, _w = self.pick_result(rnd)
                if forced is not None:
                    code, label = "1", "未发现问题"
                plan = rnd.choice(INSPECTION_PLANS)
                self._record(
                    recs,
                    eid,
                    Kind.INSPECTION_RESULT,
                    checked,
                    f"“双随机、一公开”抽查（{plan}）：{label}",
                    public=True,
                    start=min(checked + dt.timedelta(days=rnd.randint(5, 27)), as_of),
                    details={"result_code": code, "plan": plan},
                )

        # Status change records (after the facts that happened while active)
        if status in ("deregistered", "revoked") and status_on is not None:
            zh = "注销" if status == "deregistered" else "吊销营业执照"
            self._record(
                recs,
                eid,
                Kind.STATUS_CHANGE,
                status_on,
                f"状态：{zh}",
                public=True,
                doc=self._doc_no("销" if status == "deregistered" else "吊", status_on.year),
                details={"status": status, "previous": Enterprise.Status.OPERATING, "note": ""},
            )
        elif status == "suspended" and susp_from and susp_until:
            self._record(
                recs,
                eid,
                Kind.STATUS_CHANGE,
                susp_from,
                "状态：歇业",
                public=True,
                details={
                    "status": status,
                    "previous": Enterprise.Status.OPERATING,
                    "from": susp_from.isoformat(),
                    "until": susp_until.isoformat(),
                    "note": "",
                },
            )
        # The cached state is the ledger's, by the one state rule (enterprises.state), over the
        # records in the order the replay reads them (date, then id).
        state = state_fold(
            sorted(
                (_Fact(r[0], r[2], r[3], r[10], r[14]) for r in recs[first_record:]),
                key=lambda f: (f.occurred_on, f.pk),
            ),
            as_of,
        )
        status, susp_from, susp_until = state.status, state.suspended_from, state.suspended_until
        is_abnormal, on_serious = state.is_abnormal, state.on_serious_list
        chunk.enterprises.append(
            (
                eid,
                uscc,
                legacy,
                name,
                former,
                name_initials,
                etype,
                section,
                division,
                registered,
                authority,
                address,
                street,
                rep_name,
                rep_masked,
                rep_digest,
                capital,
                SCOPES.get(division, ""),
                status,
                susp_from,
                susp_until,
                status_on,
                dept,
                is_abnormal,
                on_serious,
            )
        )
        sc = self.showcase
        if forced == "problem":
            sc.problem_company = index
        elif forced == "shop":
            sc.individual_business = index
        elif forced == "suspended" and status == "suspended":
            sc.suspended = index
        elif forced == "clean":
            sc.clean_company = index
        self.stats["enterprise"] = self.stats.get("enterprise", 0) + 1
        self.stats[f"type:{etype}"] = self.stats.get(f"type:{etype}", 0) + 1
        self.stats[f"status:{status}"] = self.stats.get(f"status:{status}", 0) + 1

    def chunks(self, size: int = DEFAULT_CHUNK) -> Iterator[Chunk]:
        chunk = Chunk()
        for index in range(self.count):
            self._enterprise(index, chunk)
            if len(chunk.enterprises) >= size:
                yield chunk
                chunk = Chunk()
        if chunk.enterprises:
            yield chunk


_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


# --- writers -----------------------------------------------------------------------------


class _Writer:
    """The rows of a chunk through the shared bulk writer (`credit_portal.bulk.insert_rows`:
    COPY on PostgreSQL, bulk_create elsewhere), with the keys assigned by the generator
    (`with_pk`); `finish` moves the sequences past them. On PostgreSQL `begin` and `finish`
    also drop and rebuild the secondary indexes and foreign keys of the two tables."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def enterprises(self, rows: list[tuple[Any, ...]]) -> None:
        insert_rows(Enterprise, E_FIELDS, rows, with_pk=True)

    def records(self, rows: list[tuple[Any, ...]]) -> None:
        insert_rows(CreditRecord, R_FIELDS, rows, with_pk=True)

    def begin(self) -> None:
        """Drop the secondary indexes and foreign keys of the two (empty) tables; `finish`
        rebuilds them.

        Building an index once over a million rows is several times faster than keeping it up
        to date row by row (the trigram and the hash-like digest indexes most of all). Indexes
        that back a constraint (primary keys, unique constraints) stay. DDL is transactional
        in PostgreSQL: if the load fails, the indexes come back with the rollback.
        """
        if not self.postgres:
            return
        tables = [Enterprise._meta.db_table, CreditRecord._meta.db_table]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [tables],
            )
            self.index_defs = cursor.fetchall()
            for name, _definition in self.index_defs:
                cursor.execute(f'DROP INDEX "{name}"')
            # Foreign keys likewise: one validating join at the end instead of a deferred
            # trigger event per row.
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
                [tables],
            )
            self.fk_defs = cursor.fetchall()
            for table, name, _definition in self.fk_defs:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')

    def finish(self) -> None:
        sequences_reset(Enterprise, CreditRecord)  # past the keys the generator gave
        if not self.postgres:
            return
        with connection.cursor() as cursor:
            # Deferred foreign-key checks of the COPYs must run before an index can be built.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for table, name, definition in self.fk_defs:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for _name, definition in self.index_defs:
                cursor.execute(definition)
            cursor.execute(f"ANALYZE {Enterprise._meta.db_table}")
            cursor.execute(f"ANALYZE {CreditRecord._meta.db_table}")


def _prefetch(chunks: Iterator[Chunk], depth: int = 2) -> Iterator[Chunk]:
    """Run `chunks` in a background thread, `depth` chunks ahead; re-raise its errors here."""
    box: queue.Queue[Chunk | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Chunk | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for part in chunks:
                if not put(part):
                    return
            put(None)
        except BaseException as exc:
            put(exc)

    worker = threading.Thread(target=produce, name="demo-district-generator", daemon=True)
    worker.start()
    try:
        while True:
            item = box.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


# --- entry point -------------------------------------------------------------------------


@dataclass
class DistrictResult:
    enterprises: int
    records: int
    seconds: float
    generate_seconds: float  # time the writer waited for the generator thread
    write_seconds: dict[str, float]
    stats: dict[str, int]
    showcase: Showcase
    first_enterprise_id: int
    method: str


def demo_district_build(
    *,
    count: int,
    seed: int,
    as_of: dt.date | None = None,
    chunk: int = DEFAULT_CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> DistrictResult:
    """Write a synthetic district of `count` entities into an empty register (one transaction).

    Rules: the register must be empty (the caller checks); departments exist (demo accounts).
    Side effects: enterprises and ledger rows; on PostgreSQL, sequences reset and ANALYZE.
    Audit: the caller records one event for the whole seeding (not one per row).
    """
    from credit_portal.models import Department

    as_of = as_of or timezone.localdate()
    started = time.perf_counter()
    departments = dict(Department.objects.values_list("code", "id"))
    writer = _Writer()
    with transaction.atomic():
        first_eid = (
            Enterprise.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ) + 1
        first_rid = (
            CreditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ) + 1
        gen = DistrictGenerator(
            seed=seed,
            count=count,
            as_of=as_of,
            department_ids=departments,
            first_enterprise_id=first_eid,
            first_record_id=first_rid,
        )
        write = {"enterprise": 0.0, "creditrecord": 0.0}
        writer.begin()
        done = records = 0
        # Generation (Python) runs in a thread while this thread writes: psycopg2 releases the
        # GIL while PostgreSQL ingests a COPY, so the two cores work at the same time. The
        # stream of rows is the same as a sequential run (one generator, one order).
        waited = 0.0
        mark = started
        for part in _prefetch(gen.chunks(chunk)):
            now = time.perf_counter()
            waited += now - mark
            writer.enterprises(part.enterprises)
            mid = time.perf_counter()
            writer.records(part.records)
            mark = time.perf_counter()
            write["enterprise"] += mid - now
            write["creditrecord"] += mark - mid
            done += len(part.enterprises)
            records += len(part.records)
            if progress is not None:
                progress(done, count)
        generate = waited
        finish_start = time.perf_counter()
        writer.finish()
        write["finish"] = time.perf_counter() - finish_start
    return DistrictResult(
        enterprises=done,
        records=records,
        seconds=time.perf_counter() - started,
        generate_seconds=generate,
        write_seconds=write,
        stats=gen.stats,
        showcase=gen.showcase,
        first_enterprise_id=first_eid,
        method="COPY" if writer.postgres else "bulk_create",
    )


def demo_district_seed(
    *,
    count: int,
    seed: int,
    as_of: dt.date | None = None,
    chunk: int = DEFAULT_CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> DistrictResult:
    """Build the district, bind the demo enterprise users to showcase enterprises and record
    one audit event, all in one transaction (nothing half-written on failure).

    Rules: the register is empty (raises `DistrictExistsError` otherwise); departments and
    role groups exist (run `demo_accounts_build` first).
    """
    from credit_portal.audit import audit_event_record
    from enterprises.demo_accounts import demo_enterprise_users_build

    with transaction.atomic():
        existing = Enterprise.objects.count()
        if existing:
            raise DistrictExistsError(existing)
        result = demo_district_build(
            count=count, seed=seed, as_of=as_of, chunk=chunk, progress=progress
        )
        first = result.first_enterprise_id
        bindings = {
            key: first + index for key, index in vars(result.showcase).items() if index is not None
        }
        demo_enterprise_users_build(bindings=bindings)
        audit_event_record(
            actor=None,
            event_type="demo.district_seeded",
            extra={
                "enterprises": result.enterprises,
                "records": result.records,
                "seed": seed,
                "as_of": as_of or timezone.localdate(),
                "method": result.method,
            },
        )
    return result


class DistrictExistsError(Exception):
    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__(f"The register already holds {count} market entities.")

"""Staff register list page with a million enterprises: p50/p95 per filter combination.

Command (PostgreSQL; the database is created/migrated if needed and filled once):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_staff_bench \
        .venv/bin/python bench/staff_list_bench.py --enterprises 1000000 --requests 50

Options: --extra-indexes creates the indexes proposed for a migration (see EXTRA_INDEXES) before
measuring, --drop-extra-indexes removes them first (to compare both), --only NAME runs one
combination, --match TEXT those whose name contains TEXT (e.g. class, score),
--clerk-searches runs only the searches by legal representative, address and the end of a
credit code (issue 13; their values are drawn from the register, so the script runs on a
demo district too: `bench/seed_bench.py --keep`), --explain prints the plan of each
combination's page and count queries, --classified all|default (below).

What it does:
1. Fills `enterprises_enterprise` with N synthetic rows by one set-based INSERT ... SELECT over
   generate_series per 100,000-row window (a realistic mix: individual businesses the majority,
   industries, ages, statuses, departments, abnormal and serious flags), then VACUUM ANALYZE.
   Departments and staff users come from the demo accounts (`seed_demo`'s). The current
   classes (issue 16: `risk_currentclass`, one row per classified entity, read through the
   one-to-one relation) go in the same way, A 55 %, B 35 %, C 8 %, D 2 % with scores in each
   class's band: `--classified all` gives every entity a row (the brief's 1,000,000 classified
   rows: the largest class filter and score sort), `--classified default` only the entities
   the default rules classify (no individual business; operating or suspended: about a third),
   so that the score sort also pages the never-classified ones. A change of mode refills the
   table (TRUNCATE, then INSERT ... SELECT).
2. Logs in as the credit officer (view_enterprise + view_risk: every column and filter shows)
   through Django's test client and requests `/enterprises/?...` for each combination below,
   `--requests` times with varying values, after a warm-up. The full stack runs: middleware,
   session, permissions, filter form, capped COUNT, page query, template.
3. Prints p50/p95/max in milliseconds and the queries per request; target p95 < 200 ms.

Measured 2026-12-08, `--match class --classified all`, with and without
`ent_id_department_registered_idx` (migration enterprises 0021) one after the other, load
average 3-5 (other work on the machine: compare the two runs, not with the target): database
time per request (p50) class D 132 -> 84 ms, C 88 -> 71 ms, A/B 43-53 -> 46-48 ms; page p95
class D 312 -> 262 ms. Without the index the class probe hashed a scan of the whole
`ent_department_registered_idx` against the class's ids (class D alone 240 ms); with it, each
id is one index-only look-up. Combinations with another filter on the enterprise row
(status + type, division, abnormal, name search) keep their plan, a scan for that filter
hashed against the class: 100-290 ms of database time at that load.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings.test")

import django  # noqa: E402

from bench.pgdb import ensure_database  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils.timezone import now as django_now  # noqa: E402

from credit_portal.demo import demo_accounts_build  # noqa: E402
from credit_portal.models import Department, User  # noqa: E402
from enterprises.models import Enterprise  # noqa: E402

TABLE = Enterprise._meta.db_table
WINDOW = 100_000

# Indexes the list needs beyond the model's (candidates for a migration; measured with and
# without by --extra-indexes / --drop-extra-indexes).
EXTRA_INDEXES = {
    # A department's list in the default order (partner departments filter by their own):
    # without it the page walks the registration-date index past other departments' rows.
    "ent_department_registered_idx": f"CREATE INDEX IF NOT EXISTS ent_department_registered_idx "
    f"ON {TABLE} (department_id, registered_on, id)",
    # Serious-list filter: rare rows, like the existing partial index for abnormal.
    "ent_serious_idx": f"CREATE INDEX IF NOT EXISTS ent_serious_idx ON {TABLE} "
    "(on_serious_list) WHERE on_serious_list",
    # Name search matches former names too: CAST(former_names AS text) LIKE '%x%' (the selector
    # searches the JSON text); trigrams serve terms of 3 characters and more.
    "ent_former_names_trgm_idx": f"CREATE INDEX IF NOT EXISTS ent_former_names_trgm_idx ON "
    f"{TABLE} USING gin ((former_names::text) gin_trgm_ops)",
    # The class filter's probe (issue 16; migration enterprises 0021): each of the class's ids
    # looked up index-only for its department and registration date.
    "ent_id_department_registered_idx": "CREATE INDEX IF NOT EXISTS "
    f"ent_id_department_registered_idx ON {TABLE} (id) INCLUDE (department_id, registered_on)",
}

# Name pools with their pinyin initials (so that initials search has something to find).
WORDS = [
    ("蓉城", "RC"),
    ("锦江", "JJ"),
    ("天府", "TF"),
    ("华西", "HX"),
    ("空港", "KG"),
    ("东升", "DS"),
    ("棠湖", "TH"),
    ("九江", "JJ"),
    ("彭镇", "PZ"),
    ("黄甲", "HJ"),
    ("公兴", "GX"),
    ("怡心", "YX"),
    ("永安", "YA"),
    ("黄水", "HS"),
    ("金桥", "JQ"),
    ("胜利", "SL"),
    ("白家", "BJ"),
    ("协和", "XH"),
    ("煎茶", "JC"),
    ("新兴", "XX"),
    ("宏达", "HD"),
    ("鑫源", "XY"),
    ("恒信", "HX"),
    ("博远", "BY"),
    ("瑞丰", "RF"),
    ("嘉禾", "JH"),
    ("众诚", "ZC"),
    ("德胜", "DS"),
    ("万和", "WH"),
    ("汇丰", "HF"),
    ("兴隆", "XL"),
    ("岷江", "MJ"),
    ("青城", "QC"),
    ("峨眉", "EM"),
    ("川西", "CX"),
    ("龙泉", "LQ"),
    ("锦绣", "JX"),
    ("宏图", "HT"),
    ("福源", "FY"),
    ("长虹", "CH"),
]
TRADES = [
    ("餐饮", "CY", "62"),
    ("火锅", "HG", "62"),
    ("烧烤", "SK", "62"),
    ("商贸", "SM", "51"),
    ("科技", "KJ", "65"),
    ("建筑工程", "JZGC", "48"),
    ("物流", "WL", "58"),
    ("五金", "WJ", "52"),
    ("食品", "SP", "14"),
    ("服装", "FZ", "18"),
    ("文化传媒", "WHCM", "86"),
    ("汽车维修", "QCWX", "81"),
    ("美容美发", "MRMF", "80"),
    ("超市", "CS", "52"),
    ("便利店", "BLD", "52"),
    ("茶馆", "CG", "62"),
    ("面馆", "MG", "62"),
    ("药房", "YF", "52"),
    ("种植", "ZZ", "01"),
    ("机械制造", "JXZZ", "34"),
    ("电子", "DZ", "39"),
    ("家具", "JJ", "21"),
    ("装饰", "ZS", "50"),
    ("印务", "YW", "23"),
    ("咨询", "ZX", "72"),
]
SECTION_OF = {
    "01": "A",
    "14": "C",
    "18": "C",
    "21": "C",
    "23": "C",
    "34": "C",
    "39": "C",
    "48": "E",
    "50": "E",
    "51": "F",
    "52": "F",
    "58": "G",
    "62": "H",
    "65": "I",
    "72": "L",
    "80": "O",
    "81": "O",
    "86": "R",
}
STREETS = [
    "东升街道",
    "西航港街道",
    "九江街道",
    "黄甲街道",
    "公兴街道",
    "怡心街道",
    "彭镇",
    "永安镇",
    "黄水镇",
    "胜利镇",
]


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _fill_sql() -> str:
    """One INSERT ... SELECT for ids %(lo)s..%(hi)s; deterministic (hashes of the id)."""
    words = _sql_array([w for w, _ in WORDS])
    word_ini = _sql_array([i for _, i in WORDS])
    trades = _sql_array([t for t, _, _ in TRADES])
    trade_ini = _sql_array([i for _, i, _ in TRADES])
    trade_div = _sql_array([d for _, _, d in TRADES])
    streets = _sql_array(STREETS)
    section_case = " ".join(f"WHEN '{d}' THEN '{s}'" for d, s in SECTION_OF.items())
    # Built from the constants above only; the values come as query parameters.
    return f"""
WITH base AS (
  SELECT g AS n,
         (g * 2654435761::bigint) % 4294967291 AS h1,
         (g * 40503::bigint + 7) % 1000003 AS h2,
         (g * 69069::bigint + 1) % 999983 AS h3
  FROM generate_series(%(lo)s, %(hi)s) AS g
), pick AS (
  SELECT n, h1, h2, h3,
    CASE WHEN h1 % 100 < 65 THEN 'individual_business'
         WHEN h1 % 100 < 90 THEN 'company'
         WHEN h1 % 100 < 94 THEN 'branch'
         WHEN h1 % 100 < 96 THEN 'partnership'
         WHEN h1 % 100 < 98 THEN 'sole_proprietorship'
         ELSE 'farmers_coop' END AS etype,
    1 + (h2 % {len(WORDS)}) AS w1, 1 + (h3 % {len(WORDS)}) AS w2,
    1 + ((h1 / 100) % {len(TRADES)}) AS t,
    CASE WHEN h2 % 1000 < 880 THEN 'operating'
         WHEN h2 % 1000 < 910 THEN 'suspended'
         WHEN h2 % 1000 < 980 THEN 'deregistered'
         ELSE 'revoked' END AS st,
    -- ages: a third under 3 years, some under one, the oldest from 1990
    CURRENT_DATE - (CASE WHEN h3 % 3 = 0 THEN h3 % 1095 ELSE h3 % 12500 END)::int AS reg
  FROM base
)
INSERT INTO {TABLE} (
  uscc, uscc_check_overridden, legacy_reg_no, name, former_names, name_initials, entity_type,
  industry_section, industry_division, registered_on, registration_authority, address,
  division, legal_rep_name, legal_rep_id_masked, legal_rep_id_digest, registered_capital,
  business_scope, status, suspended_from, suspended_until, status_changed_on, department_id,
  is_abnormal, on_serious_list, version, created_at, updated_at)
SELECT
  CASE WHEN etype = 'individual_business' THEN '92' WHEN etype = 'farmers_coop' THEN '93'
       ELSE '91' END || '510116MA' || lpad(upper(to_hex(n)), 8, '0'),
  false, '',
  CASE etype
    WHEN 'individual_business' THEN '成都市双流区' || ({words})[w1] || ({trades})[t] || '店'
    WHEN 'company' THEN (CASE WHEN h2 % 2 = 0 THEN '成都' ELSE '四川' END) || ({words})[w1]
                        || ({words})[w2] || ({trades})[t] || '有限公司'
    WHEN 'branch' THEN '四川' || ({words})[w1] || ({trades})[t] || '有限公司双流分公司'
    WHEN 'partnership' THEN '成都' || ({words})[w1] || ({trades})[t] || '合伙企业（有限合伙）'
    WHEN 'sole_proprietorship' THEN '成都' || ({words})[w1] || ({trades})[t] || '个人独资企业'
    ELSE '成都市双流区' || ({words})[w1] || '种植专业合作社' END,
  CASE WHEN h3 % 20 = 0 THEN jsonb_build_array('成都' || ({words})[w2] || ({trades})[t] || '厂')
       ELSE '[]'::jsonb END,
  CASE etype
    WHEN 'individual_business' THEN 'CDSSLQ' || ({word_ini})[w1] || ({trade_ini})[t] || 'D'
    WHEN 'company' THEN (CASE WHEN h2 % 2 = 0 THEN 'CD' ELSE 'SC' END) || ({word_ini})[w1]
                        || ({word_ini})[w2] || ({trade_ini})[t] || 'YXGS'
    ELSE 'CD' || ({word_ini})[w1] || ({trade_ini})[t] END,
  etype,
  CASE CASE WHEN etype = 'farmers_coop' THEN '01' ELSE ({trade_div})[t] END
       {section_case} END,
  CASE WHEN etype = 'farmers_coop' THEN '01' ELSE ({trade_div})[t] END,
  reg, '成都市双流区市场监督管理局',
  '四川省成都市双流区' || ({streets})[1 + h1 % {len(STREETS)}] || (1 + h2 % 300) || '号',
  ({streets})[1 + h1 % {len(STREETS)}],
  (ARRAY['张','王','李','刘','陈','杨','黄','赵','周','吴'])[1 + h3 % 10]
    || (ARRAY['伟','芳','娜','敏','静','强','磊','洋','勇','军'])[1 + h2 % 10],
  '5101**********' || lpad((h1 % 10000)::text, 4, '0'), '',
  CASE WHEN etype = 'individual_business' THEN NULL ELSE (h2 % 5000) + 10 END,
  ({trades})[t] || '服务', st,
  CASE WHEN st = 'suspended' THEN CURRENT_DATE - (h3 % 300)::int END,
  CASE WHEN st = 'suspended' THEN CURRENT_DATE + (30 + h2 % 600)::int END,
  CASE WHEN st <> 'operating' THEN CURRENT_DATE - (h3 % 300)::int END,
  CASE WHEN h1 % 100 < 70 THEN %(amr)s ELSE (%(depts)s)[1 + (h1 / 7) %% %(ndepts)s] END,
  st = 'operating' AND h1 % 25 = 0,
  h2 % 300 = 0,
  1, now(), now()
FROM pick
"""  # noqa: S608


def fill(target: int) -> None:
    have = Enterprise.objects.count()
    if have >= target:
        print(f"register holds {have:,} enterprises (>= {target:,}); not filling")
        return
    demo_accounts_build()
    departments = list(Department.objects.order_by("id").values_list("id", flat=True))
    amr = Department.objects.get(code="amr").pk
    sql = _fill_sql().replace("%", "%%").replace("%%(", "%(").replace("%%%%", "%%")
    start = time.perf_counter()
    base = (Enterprise.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    todo = target - have
    with connection.cursor() as cursor:
        for lo in range(base, base + todo, WINDOW):
            hi = min(lo + WINDOW, base + todo) - 1
            cursor.execute(
                sql,
                {"lo": lo, "hi": hi, "amr": amr, "depts": departments, "ndepts": len(departments)},
            )
            print(f"  inserted up to id {hi:,} ({time.perf_counter() - start:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {TABLE}")
    print(f"filled {todo:,} rows in {time.perf_counter() - start:.1f} s")


CLASSES = "risk_currentclass"
# Who the default rules classify (risk.rules: classified_types(), CLASSIFIED_STATUSES).
DEFAULT_SCOPE = "e.entity_type <> 'individual_business' AND e.status IN ('operating', 'suspended')"


def classify_fill(mode: str) -> None:
    """The current classes: one INSERT ... SELECT per 100,000-id window (deterministic: hashes
    of the id, independent of the register's columns), A 55 %, B 35 %, C 8 %, D 2 %, each
    score in its class's band of the demo's general model (A below 20 points, B 20-50, C
    50-80, D from 80). Refilled only when the row count does not match the mode."""
    from risk.models import ModelVersion, ScoringModel

    scope = "TRUE" if mode == "all" else DEFAULT_SCOPE
    expected = Enterprise.objects.count()
    with connection.cursor() as cursor:
        if mode != "all":
            cursor.execute(f"SELECT count(*) FROM {TABLE} e WHERE {scope}")  # noqa: S608
            expected = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {CLASSES}")  # noqa: S608
        have = cursor.fetchone()[0]
    if have == expected:
        print(f"{CLASSES} holds {have:,} rows ({mode}); not filling")
        return
    general, _ = ScoringModel.objects.get_or_create(
        code="general",
        defaults={"name_zh": "通用模型", "name_en": "General model", "is_general": True},
    )
    version = ModelVersion.objects.filter(model=general).order_by("-number").first()
    if version is None:
        version = ModelVersion.objects.create(
            model=general, number=1, status="published", published_at=django_now()
        )
    start = time.perf_counter()
    top = Enterprise.objects.order_by("-id").values_list("id", flat=True).first() or 0
    sql = f"""
INSERT INTO {CLASSES} (enterprise_id, risk_class, computed_class, score, version_id, "values",
                       as_of, assessed_at, override_id)
SELECT id, c, c,
       CASE c WHEN 'A' THEN mod(h2, 200) / 10.0 WHEN 'B' THEN 20 + mod(h2, 300) / 10.0
              WHEN 'C' THEN 50 + mod(h2, 300) / 10.0 ELSE 80 + mod(h2, 400) / 10.0 END,
       %(version)s, '[]'::jsonb, CURRENT_DATE, now(), NULL
FROM (
  SELECT id, h2, CASE WHEN mod(h, 1000) < 550 THEN 'A' WHEN mod(h, 1000) < 900 THEN 'B'
                      WHEN mod(h, 1000) < 980 THEN 'C' ELSE 'D' END AS c
  FROM (SELECT e.id, mod(e.id * 1103515245::bigint + 12345, 2147483647) AS h,
               mod(e.id * 48271::bigint, 2147483647) AS h2
        FROM {TABLE} e WHERE e.id BETWEEN %(lo)s AND %(hi)s AND {scope}) hashed
) classed
"""  # noqa: S608 - built from the constants above; values as parameters
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {CLASSES}")
        for lo in range(1, top + 1, WINDOW):
            cursor.execute(sql, {"lo": lo, "hi": lo + WINDOW - 1, "version": version.pk})
        cursor.execute(f"VACUUM ANALYZE {CLASSES}")
        cursor.execute(
            f"SELECT risk_class, count(*) FROM {CLASSES} GROUP BY 1 ORDER BY 1"  # noqa: S608
        )
        counts = ", ".join(f"{c} {n:,}" for c, n in cursor.fetchall())
    print(f"classified ({mode}): {counts} in {time.perf_counter() - start:.1f} s")


def _dates(rnd: random.Random) -> dict[str, str]:
    start = 1995 + rnd.randrange(30)
    return {"registered_from": f"{start}-01-01", "registered_to": f"{start + 1}-06-30"}


COMBINATIONS: dict[str, Callable[[random.Random], dict[str, str]]] = {
    "unfiltered (page 1)": lambda r: {},
    "status + type": lambda r: {
        "status": r.choice(["operating", "suspended", "deregistered", "revoked"]),
        "entity_type": r.choice(["company", "individual_business", "branch", "farmers_coop"]),
    },
    "industry section": lambda r: {"industry_section": r.choice("ACEFGHILOR")},
    "section + division": lambda r: r.choice(
        [
            {"industry_section": "H", "industry_division": "62"},
            {"industry_section": "F", "industry_division": "52"},
            {"industry_section": "C", "industry_division": "34"},
        ]
    ),
    "department": lambda r: {"department": r.choice(["amr", "eco", "health", "fire", "tax"])},
    "department + status": lambda r: {
        "department": r.choice(["amr", "eco", "health"]),
        "status": "operating",
    },
    "abnormal": lambda r: {"is_abnormal": "true"},
    "serious list": lambda r: {"on_serious_list": "true"},
    # The class filter (issue 16 §3: through the one-to-one relation to risk_currentclass):
    # each class alone, then with other filters and sorts.
    "risk class A (55 %)": lambda r: {"risk_class": "A"},
    "risk class B (35 %)": lambda r: {"risk_class": "B"},
    "risk class C (8 %)": lambda r: {"risk_class": "C"},
    "risk class D (2 %)": lambda r: {"risk_class": "D"},
    "class + department": lambda r: {
        "risk_class": r.choice("ABCD"),
        "department": r.choice(["amr", "eco", "health", "fire", "tax"]),
    },
    "class + status + type": lambda r: {
        "risk_class": r.choice("ABCD"),
        "status": r.choice(["operating", "suspended"]),
        "entity_type": r.choice(["company", "branch", "partnership", "farmers_coop"]),
    },
    "class + section + division": lambda r: {
        "risk_class": r.choice("CD"),
        **r.choice(
            [
                {"industry_section": "H", "industry_division": "62"},
                {"industry_section": "F", "industry_division": "52"},
                {"industry_section": "C", "industry_division": "34"},
            ]
        ),
    },
    "class + abnormal": lambda r: {"risk_class": r.choice("CD"), "is_abnormal": "true"},
    "class + date range": lambda r: {"risk_class": r.choice("ABCD"), **_dates(r)},
    "class + name search": lambda r: {
        "risk_class": r.choice("ABCD"),
        "q": r.choice(["火锅", "商贸", "蓉城火锅", "天府商贸"]),
    },
    "class + sort by score": lambda r: {
        "risk_class": r.choice("ABCD"),
        "ordering": r.choice(["-risk_score", "risk_score"]),
    },
    "class + sort by name": lambda r: {"risk_class": r.choice("ABCD"), "ordering": "name"},
    "class + sort by date": lambda r: {
        "risk_class": r.choice("ABCD"),
        "ordering": r.choice(["registered_on", "-registered_on"]),
    },
    "class, deep page (100)": lambda r: {"risk_class": r.choice("ABCD"), "page": "100"},
    "date range": _dates,
    "name search (2 chars)": lambda r: {"q": r.choice(["火锅", "烧烤", "商贸", "科技", "面馆"])},
    "name search, rare (2 chars)": lambda r: {"q": r.choice(["量子", "航天", "珠宝", "钢琴"])},
    "name search (4 chars)": lambda r: {
        "q": r.choice(["蓉城火锅", "天府商贸", "锦江科技", "华西物流", "空港餐饮"])
    },
    "pinyin initials": lambda r: {"q": r.choice(["CDSSLQRC", "SCHX", "CDTF"])},
    # Initials anywhere in the name (migration 0009): a brand's two letters, common and rare.
    "pinyin initials (2 letters)": lambda r: {"q": r.choice(["HG", "SM", "KJ", "TF"])},
    "pinyin initials, rare (2)": lambda r: {"q": r.choice(["LZ", "GQ", "ZB"])},
    "pinyin initials inside (4)": lambda r: {"q": r.choice(["TFSM", "HGYX", "JJKJ"])},
    "credit code": lambda r: {"q": f"92510116MA{r.randrange(1, 600_000):08X}"},
    "sort by name": lambda r: {"ordering": r.choice(["name", "-name"])},
    "sort by registration date": lambda r: {"ordering": "registered_on"},
    "sort by credit code": lambda r: {"ordering": r.choice(["uscc", "-uscc"])},
    # The score sort (risk_currentclass.score, never-classified entities last both ways).
    "sort by risk score": lambda r: {"ordering": "-risk_score"},
    "sort by risk score (asc)": lambda r: {"ordering": "risk_score"},
    "score sort + department": lambda r: {
        "ordering": r.choice(["-risk_score", "risk_score"]),
        "department": r.choice(["amr", "eco", "health", "fire", "tax"]),
    },
    "score sort + status + type": lambda r: {
        "ordering": "-risk_score",
        "status": r.choice(["operating", "suspended", "deregistered"]),
        "entity_type": r.choice(["company", "individual_business", "branch"]),
    },
    "score sort + section": lambda r: {
        "ordering": "-risk_score",
        "industry_section": r.choice("ACEFGHILOR"),
    },
    "score sort + name search": lambda r: {
        "ordering": "-risk_score",
        "q": r.choice(["火锅", "商贸", "蓉城火锅", "天府商贸"]),
    },
    "score sort, deep page (100)": lambda r: {
        "ordering": r.choice(["-risk_score", "risk_score"]),
        "page": "100",
    },
    "filters + sort": lambda r: {
        "status": "operating",
        "industry_section": r.choice("CFH"),
        "ordering": "name",
    },
    "deep page (page 100)": lambda r: {"status": "operating", "page": "100"},
}

# Searches where clerks look (issue 13): values drawn from the register itself (`_samples`), so
# that they find something in this benchmark's rows and in a demo district's alike.
SAMPLES: dict[str, list[Any]] = {}
CLERK_SEARCHES: dict[str, Callable[[random.Random], dict[str, str]]] = {
    "legal rep (full name)": lambda r: {"q": r.choice(SAMPLES["rep"])},
    "legal rep, none (miss)": lambda r: {"q": r.choice(["欧阳娜娜", "司马相如", "诸葛明亮"])},
    "address (road + number)": lambda r: {"q": r.choice(SAMPLES["road_number"])},
    "address (road)": lambda r: {"q": r.choice(SAMPLES["road"])},
    "address, none (miss)": lambda r: {"q": r.choice(["量子大道8号", "火星路1号", "银河街2号"])},
    "code end (4)": lambda r: {"q": r.choice(SAMPLES["code"])[-4:]},
    "code end (6)": lambda r: {"q": r.choice(SAMPLES["code"])[-6:]},
    "legal rep + address": lambda r: {"q": " ".join(r.choice(SAMPLES["rep_and_road"]))},
}
COMBINATIONS.update(CLERK_SEARCHES)


def _samples() -> None:
    """Legal representatives, roads and codes of about 500 entities spread over the table."""
    top = Enterprise.objects.order_by("-id").values_list("id", flat=True).first() or 0
    step = max(1, top // 500)
    rows = list(
        Enterprise.objects.annotate(step=F("id") % step)
        .filter(step=0)
        .values_list("legal_rep_name", "address", "uscc")[:500]
    )
    # 四川省成都市双流区彭镇杨柳路385号4栋...: the road (杨柳路), or else the street (东升街道).
    found = [re.search(r"区(.+?(?:街道|镇))(\D*?)(\d+号)", address) for _r, address, _c in rows]
    roads = [m and (m.group(2) if len(m.group(2)) >= 3 else m.group(1)) for m in found]
    SAMPLES["rep"] = [rep for rep, _a, _c in rows]
    SAMPLES["road_number"] = [m.group(2) + m.group(3) for m in found if m]
    SAMPLES["road"] = [road for road in roads if road]
    SAMPLES["code"] = [code for _r, _a, code in rows]
    SAMPLES["rep_and_road"] = [
        (rep, road) for (rep, _a, _c), road in zip(rows, roads, strict=True) if road
    ]


def _explain(params: dict[str, str], user: User) -> None:
    from django.test import RequestFactory

    from enterprises.filters import RISK_SCORE, CappedPaginator, EnterpriseFilter
    from enterprises.selectors import enterprise_list_for_user

    request = RequestFactory().get("/enterprises/", params)
    request.user = user
    visible = enterprise_list_for_user(user=user).select_related("risk_current")  # as the view
    register = EnterpriseFilter(request.GET, queryset=visible, request=request)
    if not register.is_valid():
        raise SystemExit(f"invalid parameters {params}: {register.errors}")
    qs = register.qs
    paginator = CappedPaginator(qs, 50)
    fields = [f for f, _desc in paginator._sort_plan or [] if f != "pk"]
    queries = [("ids", qs.order_by().values_list("pk", *fields)[:10001])]
    if paginator._split is not None:  # the score sort: classified ones, then the others
        _field, relation, descending = paginator._split
        key = F(RISK_SCORE).desc() if descending else F(RISK_SCORE).asc()
        classified = qs.filter(**{f"{relation}__isnull": False})
        rest = list(qs.query.order_by[1:])
        queries += [
            ("classified ids", classified.order_by().values_list("pk", flat=True)[:10001]),
            ("classified page", classified.order_by(key, *rest)[:50]),
            (
                "never classified page",
                qs.filter(**{f"{relation}__isnull": True}).order_by(*rest)[:50],
            ),
        ]
    else:
        queries.append(("ordered page (above the cap)", qs[:50]))
    for label, query in queries:
        sql, args = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF) " + sql, args)
            plan = [row[0] for row in cursor.fetchall()]
        print(f"    {label}: " + "\n           ".join(plan[:12]))


def _summary(html: str) -> str:
    found = re.search(r'data-testid="result-summary">(.*?)</p>', html, re.S)
    return " ".join(found.group(1).split()) if found else ""


def measure(
    requests: int, only: str | None, explain: bool, clerk: bool = False, match: str | None = None
) -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = User.objects.get(username="credit")  # credit officer: view_enterprise + view_risk
    client = Client()
    client.force_login(user)
    client.cookies["cp_language"] = "zh-hans"
    rnd = random.Random(2026)
    print(
        f"\n{'combination':<28}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'db p50':>9}"
        f"{'queries':>9}  rows"
    )
    all_times: list[float] = []
    for name, make in COMBINATIONS.items():
        if (only and only != name) or (clerk and name not in CLERK_SEARCHES):
            continue
        if match and match not in name:
            continue
        for _ in range(3):  # warm-up: connection, plan cache, buffers
            client.get("/enterprises/", make(rnd))
        times = []
        db_times = []
        queries = 0
        rows = ""
        for _ in range(requests):
            params = make(rnd)
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get("/enterprises/?" + urlencode(params))
                times.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code} for {params}")
            queries = len(ctx.captured_queries)
            db_times.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
            rows = _summary(response.content.decode())
        times.sort()
        all_times += times
        p50 = statistics.median(times)
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        flag = "" if p95 < 200 else "  <-- over 200 ms"
        db = statistics.median(db_times)
        print(
            f"{name:<28}{p50:>9.1f}{p95:>9.1f}{times[-1]:>9.1f}{db:>9.1f}{queries:>9}  {rows}{flag}"
        )
        if explain:
            _explain(make(random.Random(1)), user)
    all_times.sort()
    if all_times:
        p95_all = all_times[int(0.95 * len(all_times)) - 1]
        print(f"{'all requests':<28}{statistics.median(all_times):>9.1f}{p95_all:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--only", help="run one combination (its name as printed)")
    parser.add_argument(
        "--match", help="run the combinations whose name contains this (e.g. class, score)"
    )
    parser.add_argument("--extra-indexes", action="store_true")
    parser.add_argument("--drop-extra-indexes", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--clerk-searches", action="store_true")
    parser.add_argument(
        "--classified",
        choices=["all", "default"],
        default="all",
        help="all: every entity has a current class; default: only those the default rules "
        "classify (no individual business; operating or suspended)",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run this on PostgreSQL: set DATABASE_URL (see the module docstring).")
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        ensure_database(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)
    fill(args.enterprises)
    classify_fill(args.classified)
    with connection.cursor() as cursor:
        if args.drop_extra_indexes:
            for name in EXTRA_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        if args.extra_indexes:
            for name, ddl in EXTRA_INDEXES.items():
                start = time.perf_counter()
                cursor.execute(ddl)
                print(f"index {name}: {time.perf_counter() - start:.1f} s")
            cursor.execute(f"ANALYZE {TABLE}")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname = ANY(%s)",
            [TABLE, list(EXTRA_INDEXES)],
        )
        present = sorted(r[0] for r in cursor.fetchall())
    print(f"extra indexes present: {', '.join(present) or 'none'}")
    print(f"enterprises: {Enterprise.objects.count():,}")
    _samples()
    measure(args.requests, args.only, args.explain, args.clerk_searches, args.match)


if __name__ == "__main__":
    main()

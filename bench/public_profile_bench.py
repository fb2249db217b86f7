"""Benchmark: the public profile page /credit/<USCC>/ next to a trivial Django view.

Command (from the project directory; PostgreSQL running, wrk installed: apt-get install -y wrk):

    .venv/bin/python bench/public_profile_bench.py
    .venv/bin/python bench/public_profile_bench.py --enterprises 1000000 --duration 20 \
        --connections 32 --database-url postgres://postgres@127.0.0.1:5432/cp_public_bench

Options: --reload (rebuild the data), --load-only, --throttle off (switch the public throttle
off), --cache-url (the Redis of the cache and throttle counters, as in production, so Redis
must be running; default redis://127.0.0.1:6379/15; "local" for the in-process cache of the
local settings), --api (also
measure the public API profile), --profile (in-process cost breakdown: queries, selector and
template time per page), --keep-server.

What it does
1. Migrates the database and, unless it already holds exactly N enterprises, loads N of them
   fast: valid credit codes computed in Python and streamed with COPY; secondary indexes
   dropped for the load and rebuilt after, in one transaction; then set-based INSERT ... SELECT
   for the ledger: a public registration record for every entity and, for some entities,
   penalties (some expired, some repaired), inspection results, annual reports, abnormal
   listings (some removed), serious-list listings and private records. Then ANALYZE.
2. Samples 100,000 random codes into a file.
3. Starts gunicorn as production would (5 sync workers, docker-compose.yml's WEB_CONCURRENCY;
   --workers to change) with settings bench.bench_settings
   (local settings with DJANGO_DEBUG=0, persistent connections DJANGO_CONN_MAX_AGE=60, no SSL
   redirect, log level WARNING, DJANGO_NUM_PROXIES=1, the cache on Redis as in production).
4. Loads it with wrk from a second process (2 threads, 32 connections): a warm-up, then the
   trivial view and the profile page over random codes, for --duration seconds each. Every
   request carries a random X-Forwarded-For address (many clients behind one proxy), so the
   per-client throttle counts every request (one Redis round trip) without refusing any.
5. Prints req/s and p50/p99 for both and the ratio; the target is >= 40 % of the trivial
   view's req/s and p99 < 50 ms. Also the CPU time per request of the serving processes
   (gunicorn workers, PostgreSQL, Redis; from /proc), whose ratio varies less between runs on
   a shared machine than the req/s ratio does. The empty search form (/credit/ without a
   query: the layout and a small Jinja2 body, no database) is measured too: it is the floor
   of a public page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pgdb import ensure_database  # noqa: E402
from credit_portal.text import pinyin_initials  # noqa: E402
from enterprises.uscc import CHARSET, orgcode_check_char, regno15_check_digit, uscc_check_char  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
LUA = str(ROOT / "bench" / "public_profile.lua")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/cp_public_bench"
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the portal's TIME_ZONE

# Name parts, each with its pinyin initials (computed once, as the register computes them).
PREFIXES = ["成都", "四川", "成都市双流区", "双流区", "成都空港"]
BRANDS = [
    "蓉城",
    "锦江",
    "天府",
    "棠湖",
    "东升",
    "华阳",
    "九江",
    "金桥",
    "彭镇",
    "黄甲",
    "永安",
    "黄龙",
    "西航",
    "空港",
    "瑞丰",
    "宏达",
    "鑫源",
    "恒通",
    "顺发",
    "兴旺",
    "福满",
    "家和",
    "万家",
    "佳美",
    "丰泰",
    "广汇",
    "利民",
    "宏图",
    "金鼎",
    "银河",
    "星辰",
    "明珠",
    "川味",
    "巴蜀",
    "峨眉",
    "青城",
    "岷江",
    "锦绣",
    "芙蓉",
    "熊猫",
    "竹林",
    "荷塘",
    "麒麟",
    "龙泉",
    "凤凰",
    "同心",
    "和美",
    "百川",
    "千禾",
    "天一",
    "三和",
    "四海",
    "五洲",
    "八方",
]
MIDDLES = [
    "新",
    "华",
    "金",
    "银",
    "盛",
    "达",
    "源",
    "泰",
    "安",
    "康",
    "福",
    "润",
    "祥",
    "瑞",
    "宏",
    "鼎",
    "信",
    "诚",
    "德",
    "益",
    "恒",
    "通",
    "佳",
    "禾",
    "丰",
    "联",
    "合",
    "创",
    "汇",
    "星",
]
TRADES = [
    "餐饮管理",
    "科技",
    "建筑工程",
    "物流",
    "商贸",
    "食品",
    "农业开发",
    "信息技术",
    "文化传媒",
    "医药",
    "汽车服务",
    "装饰工程",
    "电子",
    "机械设备",
    "教育咨询",
    "旅游",
    "房地产经纪",
    "家政服务",
    "网络科技",
    "环保科技",
]
SHOPS = [
    "小吃店",
    "便利店",
    "理发店",
    "五金店",
    "火锅店",
    "茶馆",
    "水果店",
    "服装店",
    "超市",
    "面馆",
]
SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "林",
    "罗",
    "高",
]
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "平",
    "刚",
    "桂英",
    "建华",
    "小红",
]
STREETS = ["东升街道", "西航港街道", "九江街道", "黄甲街道", "彭镇", "黄水镇", "永安镇", "怡心街道"]
SCOPE = (
    "一般项目：餐饮管理；食品销售（仅销售预包装食品）；日用百货销售；信息咨询服务（不含许可类信息"
    "咨询服务）。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
)
AUTHORITY = "成都市双流区市场监督管理局"
# (entity_type, USCC entity digit, share)
TYPES = [
    ("individual_business", "2", 0.62),
    ("company", "1", 0.30),
    ("branch", "1", 0.03),
    ("partnership", "3", 0.015),
    ("sole_proprietorship", "3", 0.015),
    ("farmers_coop", "3", 0.02),
]
ENTERPRISE_COLUMNS = (
    "uscc, uscc_check_overridden, legacy_reg_no, name, former_names, name_initials, entity_type, "
    "industry_section, industry_division, registered_on, registration_authority, address, "
    "division, legal_rep_name, legal_rep_id_masked, legal_rep_id_digest, registered_capital, "
    "business_scope, status, suspended_from, suspended_until, status_changed_on, "
    "is_abnormal, on_serious_list, version, created_at, updated_at, department_id"
)


def _with_initials(words: list[str]) -> list[tuple[str, str]]:
    return [(w, pinyin_initials(w)) for w in words]


def uscc_for(n: int, entity_digit: str) -> str:
    """A valid code for sequence number n: the organisation-code body is n in base 31."""
    body = []
    for _ in range(8):
        n, r = divmod(n, 31)
        body.append(CHARSET[r])
    org = "".join(reversed(body))
    first17 = "9" + entity_digit + "510116" + org + orgcode_check_char(org)
    return first17 + uscc_check_char(first17)


def enterprise_rows(count: int, department_id: int, seed: int = 2026) -> Iterator[str]:
    """COPY text lines for `count` enterprises, deterministic for `seed`."""
    rnd = random.Random(seed)
    prefixes, brands = _with_initials(PREFIXES), _with_initials(BRANDS)
    middles, trades, shops = _with_initials(MIDDLES), _with_initials(TRADES), _with_initials(SHOPS)
    type_names = [t[0] for t in TYPES]
    type_weights = [t[2] for t in TYPES]
    digits = {t[0]: t[1] for t in TYPES}
    start = dt.date(1995, 1, 1).toordinal()
    span = TODAY.toordinal() - start
    now = dt.datetime.now(dt.UTC).isoformat()
    for i in range(count):
        kind = rnd.choices(type_names, type_weights)[0]
        code = uscc_for(10_000_000 + i * 7, digits[kind])
        registered = dt.date.fromordinal(start + int(span * rnd.random() ** 0.6))
        legacy = ""
        if registered.year < 2015 and rnd.random() < 0.8:
            first14 = "510116" + f"{i:08d}"
            legacy = first14 + regno15_check_digit(first14)
        (b, bi), (m, mi) = rnd.choice(brands), rnd.choice(middles)
        if kind == "individual_business":
            (s, si) = rnd.choice(shops)
            name, name_ini = f"双流区{b}{m}{s}", "SLQ" + bi + mi + si
            capital = "\\N"
        else:
            (p, pi), (t, ti) = rnd.choice(prefixes), rnd.choice(trades)
            suffix = {
                "company": ("有限公司", "YXGS"),
                "branch": ("有限公司双流分公司", "YXGSSLFGS"),
                "partnership": ("合伙企业（有限合伙）", "HHQYYXHH"),
                "sole_proprietorship": ("个人独资企业", "GRDZQY"),
                "farmers_coop": ("专业合作社", "ZYHZS"),
            }[kind]
            name = f"{p}{b}{m}{t}{suffix[0]}"
            name_ini = pi + bi + mi + ti + suffix[1]
            capital = str(rnd.choice([3, 10, 50, 100, 200, 500, 1000, 5000]))
        status, susp_from, susp_until, changed = "operating", "\\N", "\\N", "\\N"
        roll = rnd.random()
        if roll < 0.03:
            status = "suspended"
            f = TODAY - dt.timedelta(days=rnd.randint(10, 300))
            susp_from, susp_until = f.isoformat(), (f + dt.timedelta(days=365)).isoformat()
            changed = susp_from
        elif roll < 0.09:
            status = "deregistered"
            changed = (registered + (TODAY - registered) / 2).isoformat()
        elif roll < 0.12:
            status = "revoked"
            changed = (registered + (TODAY - registered) / 2).isoformat()
        rep = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
        street = rnd.choice(STREETS)
        yield "\t".join(
            (
                code,
                "f",
                legacy,
                name,
                "[]",
                name_ini[:200],
                kind,
                "H",
                "62",
                registered.isoformat(),
                AUTHORITY,
                f"四川省成都市双流区{street}{b}路{rnd.randint(1, 999)}号",
                street,
                rep,
                f"5101**********{rnd.randint(0, 9999):04d}",
                "",
                capital,
                SCOPE,
                status,
                susp_from,
                susp_until,
                changed,
                "f",
                "f",
                "1",
                now,
                now,
                str(department_id),
            )
        )


class _LineStream(io.RawIOBase):
    """File-like wrapper so COPY can stream generated lines without building one big string."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        while len(self._buf) < len(b):
            try:
                self._buf += (next(self._lines) + "\n").encode()
            except StopIteration:
                break
        n = min(len(b), len(self._buf))
        b[:n], self._buf = self._buf[:n], self._buf[n:]
        return n


# The ledger, set-based. Dates are spread by a hash of the id; the is_abnormal and
# on_serious_list cache fields follow the listings still open.
LEDGER_SQL = [
    (
        "registration records",
        """INSERT INTO enterprises_creditrecord (enterprise_id, kind, occurred_on, is_public,
             publicity_start, publicity_end, authority, document_number, summary, details,
             source_app, source_model, source_id, recorded_at)
           SELECT id, 'registration', registered_on, true, registered_on, NULL,
                  registration_authority, '', '设立登记', '{"status": "operating"}', '', '', '',
                  now()
           FROM enterprises_enterprise""",
    ),
    (
        "penalties (1 in 10; some expired)",
        """INSERT INTO enterprises_creditrecord (enterprise_id, kind, occurred_on, is_public,
             publicity_start, publicity_end, authority, document_number, summary, details,
             source_app, source_model, source_id, recorded_at)
           SELECT id, 'penalty', d, true, d, d + 1095, %(authority)s,
                  '双市监罚〔' || extract(year from d) || '〕' || (id %% 900 + 1) || '号',
                  '销售不符合食品安全标准的食品，违反《食品安全法》第三十四条；罚款人民币'
                    || (id %% 50 + 1) * 1000 || '元',
                  '{}', '', '', '', now()
           FROM (SELECT id, current_date - ((id * 7919) %% 1500)::int AS d
                 FROM enterprises_enterprise WHERE id %% 10 = 3) s""",
    ),
    (
        "inspection results (1 in 7)",
        """INSERT INTO enterprises_creditrecord (enterprise_id, kind, occurred_on, is_public,
             publicity_start, publicity_end, authority, document_number, summary, details,
             source_app, source_model, source_id, recorded_at)
           SELECT id, 'inspection_result', current_date - ((id * 104729) %% 700)::int, true,
                  current_date - ((id * 104729) %% 700)::int, NULL, %(authority)s, '',
                  '“双随机、一公开”抽查：' || CASE WHEN id %% 5 = 0
                    THEN '发现问题，已责令整改' ELSE '未发现问题' END,
                  '{}', '', '', '', now()
           FROM enterprises_enterprise WHERE id %% 7 = 1""",
    ),
    (
        "annual reports (1 in 3)",
        """INSERT INTO enterprises_creditrecord (enterprise_id, kind, occurred_on, is_public,
             publicity_start, publicity_end, authority, document_number, summary, details,
             source_app, source_model, source_id, recorded_at)
           SELECT id, 'annual_report_filed', make_date(%(year)s, 3, 1 + (id %% 28)::int), true,
                  make_date(%(year)s, 3, 1 + (id %% 28)::int), NULL, '', '',
                  '年度报告', jsonb_build_object('year', %(year)s - 1), '', '', '', now()
           FROM enterprises_enterprise
           WHERE id %% 3 = 0 AND registered_on < make_date(%(year)s - 1, 1, 1)""",
    ),
    (
        "abnormal listings (1 in 50)",
        """INSERT INTO enterprises_creditrecord (enterprise_id, kind, occurred_on, is_public,
             publicity_start, publicity_end, authority, document_number, summary, details,
             source_app, source_model, source_id, recorded_at)
           SELECT id, 'abnormal_listing', current_date - ((id * 31) %% 900)::int - 30, true,
                  current_date - ((id * 31) %% 900)::int - 30, NULL, %(authority)s,
                  '双市监异〔2025〕' || (id %% 500 + 1) || '号',
                  '未按照《企业信息公示暂行条例》第八条规定的期限公示年度报告', '{}', '', '', '',
                  now()
           FROM enterprises_enterprise WHERE id %% 50 = 7""",
    ),
    (
        "serious-list listings (1 in 997)",
        """INSERT INTO enterprises_creditrecord (enterprise_id, kind, occurred_on, is_public,
             publicity_start, publicity_end, authority, document_number, summary, details,
             source_app, source_model, source_id, recorded_at)
           SELECT id, 'serious_listing', current_date - 100, true, current_date - 100, NULL,
                  '成都市市场监督管理局', '成市监严〔2025〕' || (id %% 90 + 1) || '号',
                  '被列入经营异常名录届满3年仍未履行相关义务', '{}', '', '', '', now()
           FROM enterprises_enterprise WHERE id %% 997 = 5""",
    ),
    (
        "private records (1 in 13)",
        """INSERT INTO enterprises_creditrecord (enterprise_id, kind, occurred_on, is_public,
             publicity_start, publicity_end, authority, document_number, summary, details,
             source_app, source_model, source_id, recorded_at)
           SELECT id, 'soft_enforcement', current_date - 40, false, NULL, NULL, %(authority)s,
                  '', '行政提示：请按时公示年度报告', '{}', '', '', '', now()
           FROM enterprises_enterprise WHERE id %% 13 = 2""",
    ),
    (
        "repairs closing 1 in 4 penalties",
        """INSERT INTO enterprises_creditrecord (enterprise_id, kind, occurred_on, is_public,
             publicity_start, publicity_end, authority, document_number, summary, details,
             source_app, source_model, source_id, closes_id, recorded_at)
           SELECT enterprise_id, 'repair', greatest(occurred_on, current_date - 5), false, NULL,
                  NULL, authority, '', '信用修复', '{}', '', '', '', id, now()
           FROM enterprises_creditrecord WHERE kind = 'penalty' AND enterprise_id %% 40 = 3""",
    ),
    (
        "removals closing 1 in 3 abnormal listings",
        """INSERT INTO enterprises_creditrecord (enterprise_id, kind, occurred_on, is_public,
             publicity_start, publicity_end, authority, document_number, summary, details,
             source_app, source_model, source_id, closes_id, recorded_at)
           SELECT enterprise_id, 'abnormal_removal', current_date - 10, true, current_date - 10,
                  NULL, authority, '', '补报年度报告，移出经营异常名录', '{}', '', '', '', id,
                  now()
           FROM enterprises_creditrecord
           WHERE kind = 'abnormal_listing' AND enterprise_id %% 150 = 7""",
    ),
    (
        "current-state flags",
        """UPDATE enterprises_enterprise e SET is_abnormal = true
           WHERE id %% 50 = 7 AND id %% 150 <> 7;
           UPDATE enterprises_enterprise SET on_serious_list = true WHERE id %% 997 = 5""",
    ),
]


def django_env(args: argparse.Namespace) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "DATABASE_URL": args.database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_CONN_MAX_AGE": "60",
        "DJANGO_NUM_PROXIES": "1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    if args.cache_url != "local":
        env["REDIS_URL"] = args.cache_url  # the cache (and throttle counters) on Redis
    if args.throttle == "off":
        env["BENCH_PUBLIC_RATE"] = "off"
    return env


def load(args: argparse.Namespace) -> None:
    import psycopg2

    conn = psycopg2.connect(args.database_url)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM enterprises_enterprise")
        have = cur.fetchone()[0]
    if have == args.enterprises and not args.reload:
        print(f"data: {have:,} enterprises already loaded (use --reload to rebuild)")
        conn.close()
        return
    started = time.monotonic()
    with conn, conn.cursor() as cur:
        cur.execute(
            "TRUNCATE enterprises_creditrecord, enterprises_enterprisemembership, "
            "enterprises_activationcode, enterprises_enterprise CASCADE"
        )
        cur.execute(
            "INSERT INTO credit_portal_department (code, name, name_en, is_bureau, is_active, "
            "sort_order) VALUES ('amr', '区市场监督管理局', 'District AMR', true, true, 0) "
            "ON CONFLICT (code) DO NOTHING"
        )
        cur.execute("SELECT id FROM credit_portal_department WHERE code = 'amr'")
        department_id = cur.fetchone()[0]
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('enterprises_enterprise', 'enterprises_creditrecord') AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint)"
        )
        indexes = cur.fetchall()
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        t = time.monotonic()
        cur.copy_expert(
            f"COPY enterprises_enterprise ({ENTERPRISE_COLUMNS}) FROM STDIN",
            io.BufferedReader(_LineStream(enterprise_rows(args.enterprises, department_id))),  # type: ignore[type-var]
        )
        print(f"data: {args.enterprises:,} enterprises copied in {time.monotonic() - t:.1f} s")
        params = {"authority": AUTHORITY, "year": TODAY.year}
        for label, sql in LEDGER_SQL:
            t = time.monotonic()
            cur.execute(sql, params)
            print(f"data: {label}: {cur.rowcount:,} rows in {time.monotonic() - t:.1f} s")
        t = time.monotonic()
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the deferred foreign keys now
        print(f"data: foreign keys checked in {time.monotonic() - t:.1f} s")
        t = time.monotonic()
        for _name, definition in indexes:
            cur.execute(definition)
        print(f"data: {len(indexes)} indexes rebuilt in {time.monotonic() - t:.1f} s")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("ANALYZE enterprises_enterprise")
        cur.execute("ANALYZE enterprises_creditrecord")
        cur.execute("SELECT count(*) FROM enterprises_creditrecord")
        records = cur.fetchone()[0]
    conn.close()
    print(
        f"data: loaded {args.enterprises:,} enterprises and {records:,} ledger records "
        f"in {time.monotonic() - started:.0f} s"
    )


def sample_codes(args: argparse.Namespace, path: Path) -> None:
    import psycopg2

    conn = psycopg2.connect(args.database_url)
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT uscc FROM enterprises_enterprise ORDER BY random() LIMIT %s", [args.sample]
        )
        path.write_text("\n".join(r[0] for r in cur.fetchall()) + "\n")
    conn.close()


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (local)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer {url}")


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_by_group(server_pid: int) -> dict[int, tuple[str, float]]:
    """{pid: (group, CPU seconds so far)} of the serving processes, from /proc: "app" (the
    gunicorn workers), "db" (every PostgreSQL process), "redis" (redis-server). wrk, the load,
    is not counted."""
    found: dict[int, tuple[str, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        ppid, seconds = int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS
        if ppid == server_pid:
            found[int(entry)] = ("app", seconds)
        elif comm == "postgres":
            found[int(entry)] = ("db", seconds)
        elif comm == "redis-server":
            found[int(entry)] = ("redis", seconds)
    return found


def cpu_ms_per_request(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], requests: int
) -> dict[str, float]:
    totals = {"app": 0.0, "db": 0.0, "redis": 0.0}
    for pid, (group, seconds) in after.items():
        totals[group] += seconds - before.get(pid, (group, 0.0))[1]
    return {group: total * 1000 / max(requests, 1) for group, total in totals.items()}


def wrk(args: argparse.Namespace, base: str, *script_args: str, duration: int) -> dict:
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "-s",
        LUA,
        base,
        "--",
        *script_args,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^RESULT (\{.*\})$", out, re.MULTILINE)
    if not match:
        raise SystemExit(f"no result from wrk:\n{out}")
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def profile_in_process(args: argparse.Namespace, codes_file: Path, n: int = 300) -> None:
    """Where a profile page spends its time, measured inside one process."""
    os.environ.update(django_env(args))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django.utils.translation import override

    from credit_portal.jinja2 import page_template
    from enterprises.public import public_profile

    codes = codes_file.read_text().split()[:n]
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1")
    for code in codes[:20]:
        client.get(f"/credit/{code}/")  # warm up
    queries = 0
    t = time.perf_counter()
    for i, code in enumerate(codes):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(
                f"/credit/{code}/", HTTP_X_FORWARDED_FOR=f"10.8.{i // 250}.{i % 250}"
            )
        assert response.status_code == 200, response.status_code  # noqa: S101
        queries += len(ctx.captured_queries)
    page_ms = (time.perf_counter() - t) * 1000 / len(codes)
    t = time.perf_counter()
    for _ in range(len(codes)):
        client.get("/bench/trivial/")
    trivial_ms = (time.perf_counter() - t) * 1000 / len(codes)
    today = timezone.localdate()
    t = time.perf_counter()
    profiles = [public_profile(uscc=c, on=today) for c in codes]
    selector_ms = (time.perf_counter() - t) * 1000 / len(codes)
    with override("zh-hans"):
        body = page_template("public/profile.html")  # the Jinja2 body, as the view renders it
        t = time.perf_counter()
        for p in profiles:
            assert p is not None  # noqa: S101
            body.render({"profile": p, "ent": p.enterprise})
        template_ms = (time.perf_counter() - t) * 1000 / len(codes)
    print(
        f"profile (in process, {len(codes)} random codes): {page_ms:.2f} ms a page, "
        f"{queries / len(codes):.1f} queries a page; selector {selector_ms:.2f} ms, "
        f"template {template_ms:.2f} ms; trivial view {trivial_ms:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--throttle", choices=["on", "off"], default="on")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--api", action="store_true", help="also measure the public API profile")
    parser.add_argument("--profile", action="store_true", help="in-process cost breakdown")
    parser.add_argument("--keep-server", action="store_true")
    parser.add_argument("--load-only", action="store_true", help="load the data and stop")
    args = parser.parse_args()

    env = django_env(args)
    ensure_database(args.database_url)
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    load(args)
    if args.load_only:
        return
    codes_file = Path(tempfile.gettempdir()) / f"cp_public_bench_codes_{args.enterprises}.txt"
    sample_codes(args, codes_file)
    if args.profile:
        profile_in_process(args, codes_file)

    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            GUNICORN,
            "credit_portal.wsgi:application",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(f"{base}/bench/trivial/")
        first = codes_file.read_text().split()[0]
        wait_for(f"{base}/credit/{first}/")
        print(f"load average before the run: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
        print(
            f"server: gunicorn, {args.workers} sync workers; wrk: {args.threads} threads, "
            f"{args.connections} connections, {args.duration} s per target; throttle "
            f"{args.throttle} (cache: {args.cache_url})"
        )
        wrk(args, base, "fixed", "/bench/trivial/", duration=args.warmup)
        wrk(args, base, "codes", str(codes_file), "/credit/", duration=args.warmup)
        targets: dict[str, tuple[str, ...]] = {
            "trivial view": ("fixed", "/bench/trivial/"),
            "public profile": ("codes", str(codes_file), "/credit/"),
            # The floor of any page on the layout: base.html and a small form, no query.
            "search form page": ("fixed", "/credit/"),
        }
        if args.api:
            api = "/api/v1/public/enterprises/"
            targets["public API profile"] = ("codes", str(codes_file), api)
        results = {}
        for name, script_args in targets.items():
            before = cpu_by_group(server.pid)
            result = wrk(args, base, *script_args, duration=args.duration)
            result["cpu"] = cpu_ms_per_request(before, cpu_by_group(server.pid), result["requests"])
            results[name] = result
    finally:
        if not args.keep_server:
            server.terminate()
            server.wait(timeout=30)

    print(f"load average after the run: {os.getloadavg()[0]:.2f} (other work on the machine skews")
    print("the ratio against the longer page requests; run it on an otherwise idle machine)")
    ceiling = results["trivial view"]["rps"]
    trivial_cpu = sum(results["trivial view"]["cpu"].values())
    print(
        f"\n{'target':<20} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'ratio':>7}"
        f"   CPU ms/request: {'app':>5} {'db':>5} {'redis':>5} {'total':>6} {'ratio':>6}"
    )
    for name, r in results.items():
        cpu = r["cpu"]
        total = sum(cpu.values())
        print(
            f"{name:<20} {r['rps']:>9.0f} {r['p50_us'] / 1000:>8.2f} {r['p99_us'] / 1000:>8.2f} "
            f"{r['non2xx'] + r['socket_errors']:>8} {r['rps'] / ceiling:>6.0%}"
            f"{'':>18}{cpu['app']:>5.2f} {cpu['db']:>5.2f} {cpu['redis']:>5.2f} {total:>6.2f} "
            f"{trivial_cpu / total if total else 0:>6.0%}"
        )
    print(
        "(CPU ms/request: the serving processes' CPU time from /proc over the run, divided by "
        "the requests;\n its ratio, the trivial view's total over the target's, is what the "
        "req/s ratio would be on a machine doing nothing else, and varies less from run to run)"
    )
    page = results["public profile"]
    ok = page["rps"] >= 0.4 * ceiling and page["p99_us"] < 50_000
    print(
        f"\npublic profile: {page['rps'] / ceiling:.0%} of the trivial view "
        f"(target >= 40 %), p99 {page['p99_us'] / 1000:.1f} ms (target < 50 ms): "
        f"{'MET' if ok else 'NOT MET'} with {args.enterprises:,} enterprises"
    )


if __name__ == "__main__":
    main()

"""The demo district: `seed_demo --enterprises N --seed S` (issue 3, item 5)."""

from __future__ import annotations

import collections
import datetime as dt
import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from credit_portal.demo import DEMO_PASSWORD, STAFF
from credit_portal.models import AuditEvent, Department
from credit_portal.roles import STAFF_ROLES
from enterprises.demo import DistrictGenerator, initials
from enterprises.demo_accounts import ENTERPRISE_USERS
from enterprises.models import CreditRecord, Enterprise, EnterpriseMembership
from enterprises.services.ledger import enterprise_state_as_of
from enterprises.services.register import enterprise_create, name_initials
from enterprises.uscc import regno15_problems, uscc_problems

pytestmark = pytest.mark.django_db
ET = Enterprise.EntityType
from tests.enterprises.factories import Kind  # noqa: E402

AS_OF = dt.date(2026, 11, 28)
DEPTS = {c: i for i, c in enumerate(["amr", "agri", "housing", "transport", "edu", "health"], 1)}


def generate(n: int, seed: int, *, as_of: dt.date = AS_OF, chunk: int = 5000):
    gen = DistrictGenerator(seed=seed, count=n, as_of=as_of, department_ids=DEPTS)
    enterprises, records = [], []
    for part in gen.chunks(chunk):
        enterprises.extend(part.enterprises)
        records.extend(part.records)
    return gen, enterprises, records


@pytest.fixture(scope="module")
def big():
    return generate(20_000, 11)


def seed(n: int = 300, s: int = 5, *extra: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--enterprises", str(n), "--seed", str(s), *extra, stdout=out)
    return out.getvalue()


# The generator (no database) --------------------------------------------------------------


def test_same_seed_same_district_other_seed_other_district():
    _, a, ra = generate(2000, 42)
    _, b, rb = generate(2000, 42, chunk=333)  # chunking does not change the stream
    _, c, _ = generate(2000, 43)
    assert [(e[1], e[3]) for e in a] == [(e[1], e[3]) for e in b]
    assert a == b and ra == rb
    assert [e[1] for e in a] != [e[1] for e in c]
    assert [e[3] for e in a] != [e[3] for e in c]


def test_codes_are_valid_unique_and_typed(big):
    _, rows, _ = big
    usccs = [e[1] for e in rows]
    assert len(set(usccs)) == len(usccs)
    digit = {ET.INDIVIDUAL_BUSINESS: "2", ET.FARMERS_COOP: "3"}
    for e in rows:
        uscc, etype = e[1], e[6]
        assert not uscc_problems(uscc), uscc
        assert uscc[:2] == "9" + digit.get(etype, "1")
        assert uscc[2:8] == "510116"
    regnos = [e[2] for e in rows if e[2]]
    assert len(regnos) > 100 and len(set(regnos)) == len(regnos)
    assert not [r for r in regnos if regno15_problems(r)]
    assert all(e[9] < dt.date(2015, 10, 1) for e in rows if e[2])


def test_names_and_initials(big):
    _, rows, _ = big
    for e in rows[:2000]:
        assert e[5] == name_initials(e[3]), e[3]
    suffixes = collections.Counter()
    for e in rows:
        name, etype = e[3], e[6]
        if etype == ET.COMPANY:
            suffixes["company"] += name.endswith("公司")
        elif etype == ET.FARMERS_COOP:
            suffixes["coop"] += name.endswith("合作社")
        elif etype == ET.BRANCH:
            suffixes["branch"] += name.endswith("分公司")
    counts = collections.Counter(e[6] for e in rows)
    assert suffixes["company"] == counts[ET.COMPANY]
    assert suffixes["coop"] == counts[ET.FARMERS_COOP]
    assert suffixes["branch"] == counts[ET.BRANCH]
    assert initials("成都") == "CD"


def test_mix_is_roughly_as_specified(big):
    _, rows, records = big
    n = len(rows)
    types = collections.Counter(e[6] for e in rows)
    assert 0.62 < types[ET.INDIVIDUAL_BUSINESS] / n < 0.68
    assert 0.25 < types[ET.COMPANY] / n < 0.31
    for minor in (ET.BRANCH, ET.PARTNERSHIP, ET.SOLE_PROPRIETORSHIP, ET.FARMERS_COOP):
        assert 0.005 < types[minor] / n < 0.05
    status = collections.Counter(e[18] for e in rows)
    assert 0.06 < status["deregistered"] / n < 0.10
    assert 0.01 < status["revoked"] / n < 0.03
    assert 0.02 < status["suspended"] / n < 0.04
    young = sum((AS_OF - e[9]).days < 365 for e in rows)
    old = sum((AS_OF - e[9]).days > 20 * 365 for e in rows)
    assert 0.08 < young / n < 0.16
    assert old / n > 0.03
    ib_industries = collections.Counter(e[8] for e in rows if e[6] == ET.INDIVIDUAL_BUSINESS)
    assert [d for d, _ in ib_industries.most_common(2)] == ["52", "62"]
    all_divisions = {e[8] for e in rows}
    assert {"51", "52", "62", "72", "65", "80", "47", "48", "49", "50"} <= all_divisions
    assert any(e[7] == "C" for e in rows)
    streets = {e[12] for e in rows}
    assert {"东升街道", "西航港街道", "九江街道", "黄水镇", "彭镇", "永安镇"} <= streets
    kinds = collections.Counter(r[2] for r in records)
    assert kinds[Kind.REGISTRATION] == n
    listed = kinds[Kind.ABNORMAL_LISTING] / n
    assert 0.035 < listed < 0.07
    assert 0 < kinds[Kind.ABNORMAL_REMOVAL] < kinds[Kind.ABNORMAL_LISTING]
    assert 0 < kinds[Kind.SERIOUS_LISTING] < n * 0.01
    for kind in (Kind.PENALTY, Kind.SOFT_ENFORCEMENT, Kind.INSPECTION_RESULT, Kind.REPAIR):
        assert kinds[kind] > 0, kind


def test_ledger_rules_hold(big):
    _, _rows, records = big
    by_id = {r[0]: r for r in records}
    for r in records:
        rid, eid, kind, on, public, start, end = r[:7]
        assert on <= AS_OF
        if r[14] is not None:  # closes
            closed = by_id[r[14]]
            assert closed[1] == eid and closed[3] <= on and closed[0] < rid
        if kind == Kind.PENALTY:
            if not public:
                assert start is None and end is None  # a warning alone is not published
            else:
                months = (end.year - start.year) * 12 + end.month - start.month
                assert months in (2, 3, 35, 36)  # three months or three years, day before
        if public and end is not None:
            assert end >= start
    closes = [r[14] for r in records if r[14] is not None]
    assert len(closes) == len(set(closes))


# The command (database) -------------------------------------------------------------------


def test_seed_demo_builds_the_generated_district_consistently(django_assert_max_num_queries):
    out = seed(300, 5)
    assert "300 market entities" in out
    today = timezone.localdate()
    _, rows, records = generate(300, 5, as_of=today)
    db = list(Enterprise.objects.order_by("id").values_list("uscc", "name"))
    assert db == [(e[1], e[3]) for e in rows]
    # The register's own history; the domain apps' demo steps add their cases after it, each
    # fact with its app as source (credit_portal.demo.demo_steps_run).
    domain_apps = ["remediation", "annual_reports", "inspections"]
    assert CreditRecord.objects.exclude(source_app__in=domain_apps).count() == len(records)
    assert Department.objects.count() == 25
    # The cached state equals the replayed ledger for every entity.
    for enterprise in Enterprise.objects.all():
        state = enterprise_state_as_of(enterprise=enterprise, on=today)
        assert (
            enterprise.status,
            enterprise.suspended_from,
            enterprise.suspended_until,
            enterprise.is_abnormal,
            enterprise.on_serious_list,
        ) == (
            state.status,
            state.suspended_from,
            state.suspended_until,
            state.is_abnormal,
            state.on_serious_list,
        ), enterprise.uscc
    assert not CreditRecord.objects.filter(occurred_on__gt=today).exists()
    event = AuditEvent.objects.get(event_type="demo.district_seeded")
    assert event.extra["enterprises"] == 300 and event.extra["seed"] == 5
    # The register keeps working after the load (ids, sequences, indexes).
    created = enterprise_create(
        actor=None,
        data={
            "uscc": "91510116MA6AAAAA" + "00",
            "name": "成都新来企业有限公司",
            "entity_type": "company",
            "industry_division": "52",
            "registered_on": today,
            "registration_authority": "成都市双流区市场监督管理局",
            "address": "四川省成都市双流区东升街道棠湖中路1号",
            "division": "东升街道",
            "legal_rep_name": "王新",
            "department": "amr",
        },
        allow_check_override=True,
    )
    assert created.pk > max(e[0] for e in rows)


def test_seed_demo_prints_logins_for_every_role_and_enterprise_users(client):
    out = seed(60, 3)
    for username, *_rest in STAFF:
        assert f" {username} " in out
    for role in STAFF_ROLES:
        assert str(role) in out
    for username, *_rest in ENTERPRISE_USERS:
        assert username in out
    assert out.count(DEMO_PASSWORD) >= len(STAFF) + len(ENTERPRISE_USERS)
    memberships = EnterpriseMembership.objects.select_related("user", "enterprise")
    assert memberships.count() == len(ENTERPRISE_USERS)
    problem = memberships.get(user__username="ent-company").enterprise
    assert problem.is_abnormal
    assert problem.credit_records.filter(kind=Kind.PENALTY).exists()
    assert memberships.get(user__username="ent-shop").enterprise.entity_type == (
        ET.INDIVIDUAL_BUSINESS
    )
    assert memberships.get(user__username="ent-suspended").enterprise.status == "suspended"
    # A demo enterprise user logs in with the printed password and sees its enterprise.
    login = client.post(reverse("login"), {"username": "ent-company", "password": DEMO_PASSWORD})
    assert login.status_code == 302
    body = client.get(reverse("me:home")).content.decode()
    assert problem.name in body and "经营异常名录" in body and "收到的文书" in body


def test_if_empty_keeps_an_existing_district_and_a_plain_rerun_refuses():
    seed(50, 1)
    counts = (Enterprise.objects.count(), CreditRecord.objects.count())
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "not rebuilding" in out.getvalue()
    assert "ent-company" in out.getvalue()
    assert (Enterprise.objects.count(), CreditRecord.objects.count()) == counts
    with pytest.raises(CommandError, match="already holds 50"):
        seed(50, 2)
    assert (Enterprise.objects.count(), CreditRecord.objects.count()) == counts


def test_if_empty_on_an_empty_register_builds_the_default_district(monkeypatch):
    from enterprises.management.commands import seed_demo as command

    monkeypatch.setattr(command, "DEFAULT_SIZE", 120)
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert Enterprise.objects.count() == 120
    assert "District ready" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--enterprises", "2000001"], "At most 1,000,000"),
        (["--enterprises", "-5"], "negative"),
        (["--enterprises", "many"], "whole number"),
        (["--as-of", "2026-13-01"], "YYYY-MM-DD"),
    ],
)
def test_bad_arguments_get_clear_messages(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", *args, stdout=StringIO())
    assert not Enterprise.objects.exists()


def test_as_of_makes_dates_reproducible():
    seed(80, 9, "--as-of", "2025-06-30")
    _, rows, _ = generate(80, 9, as_of=dt.date(2025, 6, 30))
    assert list(Enterprise.objects.order_by("id").values_list("registered_on", flat=True)) == [
        e[9] for e in rows
    ]


def test_seed_on_postgresql_uses_copy_and_keeps_indexes(require_postgres):
    def index_count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_index WHERE indrelid IN "
                "('enterprises_enterprise'::regclass, 'enterprises_creditrecord'::regclass)"
            )
            return cursor.fetchone()[0]

    def fk_count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN "
                "('enterprises_enterprise'::regclass, 'enterprises_creditrecord'::regclass)"
            )
            return cursor.fetchone()[0]

    before = (index_count(), fk_count())
    out = seed(500, 8)
    assert "(COPY)" in out
    assert (index_count(), fk_count()) == before
    sample = random.Random(1).sample(list(Enterprise.objects.all()), 50)
    today = timezone.localdate()
    for e in sample:
        state = enterprise_state_as_of(enterprise=e, on=today)
        assert (e.status, e.is_abnormal, e.on_serious_list) == (
            state.status,
            state.is_abnormal,
            state.on_serious_list,
        )
    # JSON and text columns survived COPY.
    row = Enterprise.objects.exclude(former_names=[]).first()
    assert row is None or isinstance(row.former_names, list)
    # The district's own records come first (COPY); the apps' demo steps append theirs later.
    record = CreditRecord.objects.filter(kind=Kind.ABNORMAL_LISTING).order_by("pk").first()
    assert record is not None and record.details["reason"]


def test_every_kind_the_demo_writes_is_declared_by_an_app():
    """The register names other apps' kinds by their codes (it imports none of those apps)."""
    from enterprises import demo
    from enterprises.kinds import kind_get

    codes = {v for k, v in vars(demo.Kind).items() if k.isupper()}
    assert len(codes) == 12
    assert all(kind_get(code) is not None for code in codes), codes

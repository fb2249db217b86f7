"""The register's one way to write credit facts: the single path (`credit_fact_append`) and the
set-based path (`credit_facts_append`) leave the same rows, idempotent by (source, kind)."""

import datetime as dt
import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from credit_portal.bulk import new_key_sql
from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord, Enterprise, LedgerChange
from enterprises.services.ledger import (
    CreditFact,
    FactsAppended,
    credit_fact_append,
    credit_facts_append,
    credit_facts_append_derived,
    kinds_with_effect,
)
from enterprises.state import STATE_FIELDS
from enterprises.subscriptions import ledger_subscribe, ledger_unsubscribe
from tests.enterprises.factories import EnterpriseFactory, Kind

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _world(tag):
    """Four enterprises registered on the same days, with their own codes."""
    return [EnterpriseFactory(registered_on=D(2018, 1, 1 + i), name=f"{tag}{i}") for i in range(4)]


def _facts(world, tag, listing_pk=None):
    """The scenario's facts for one world; the second call closes the first call's listing."""
    e1, e2, e3, e4 = (e.pk for e in world)
    if listing_pk is not None:
        return [
            CreditFact(
                e2,
                Kind.ABNORMAL_REMOVAL,
                D(2026, 3, 2),
                "removed",
                is_public=True,
                closes_id=listing_pk,
                source=("tests", "removal", f"{tag}-2"),
            ),
        ]
    suspension = {
        "status": "suspended",
        "previous": "operating",
        "from": "2026-06-01",
        "until": "2027-05-31",
    }
    listing = CreditFact(
        e2,
        Kind.ABNORMAL_LISTING,
        D(2025, 7, 10),
        "listed",
        is_public=True,
        details={"reason": "unreachable"},
        source=("tests", "listing", f"{tag}-2"),
    )
    return [
        CreditFact(
            e1,
            Kind.STATUS_CHANGE,
            D(2026, 6, 1),
            "suspended",
            is_public=True,
            details=suspension,
            source=("tests", "status", f"{tag}-1"),
        ),
        listing,
        CreditFact(
            e3,
            Kind.STATUS_CHANGE,
            D(2026, 1, 5),
            "deregistered",
            is_public=True,
            details={"status": "deregistered", "previous": "operating"},
            source=("tests", "status", f"{tag}-3"),
        ),
        # Two facts for one enterprise in one call.
        CreditFact(
            e4,
            Kind.PENALTY,
            D(2025, 9, 1),
            "fined",
            is_public=True,
            publicity_end=D(2025, 11, 30),
            source=("tests", "penalty", f"{tag}-4"),
        ),
        CreditFact(
            e4,
            Kind.ABNORMAL_LISTING,
            D(2025, 10, 1),
            "listed",
            is_public=True,
            source=("tests", "listing", f"{tag}-4"),
        ),
        # The same fact twice: recorded once.
        listing,
    ]


def _snapshot(world, tag):
    """Ledger rows, audit rows and cached state of a world, without keys, timestamps and the
    world's own tag; enterprises by position, a closed record by its summary."""
    index = {e.pk: i for i, e in enumerate(world)}
    records = CreditRecord.objects.filter(enterprise__in=world).order_by("id")
    by_pk = {r.pk: r for r in records}
    skip = {"id", "recorded_at", "enterprise_id", "closes_id", "source_id"}
    ledger = [
        (
            index[r.enterprise_id],
            by_pk[r.closes_id].summary if r.closes_id else None,
            r.source_id.replace(tag, "*"),
            {
                f.attname: getattr(r, f.attname)
                for f in CreditRecord._meta.concrete_fields
                if f.attname not in skip
            },
        )
        for r in records
    ]
    events = AuditEvent.objects.filter(enterprise__in=world).order_by("id")
    audit = [
        (
            index[e.enterprise_id],
            e.event_type,
            e.actor_id,
            e.target_type,
            by_pk[int(e.target_id)].summary,
            e.target_repr,
            {**e.extra, "closes": by_pk[e.extra["closes"]].summary if e.extra["closes"] else None},
            e.request_id,
            e.ip_address,
        )
        for e in events
    ]
    state = [
        {name: getattr(e, name) for name in (*STATE_FIELDS, "version")}
        for e in Enterprise.objects.filter(pk__in=[w.pk for w in world]).order_by("pk")
    ]
    return ledger, audit, state


def _listing_of(world):
    return CreditRecord.objects.get(enterprise=world[1], kind=Kind.ABNORMAL_LISTING)


def test_bulk_and_single_paths_leave_identical_rows(user_with_perms):
    actor = user_with_perms()
    single, bulk = _world("S"), _world("B")

    *facts, duplicate = _facts(single, "S")
    for fact in facts:
        credit_fact_append(fact=fact, actor=actor)
    with pytest.raises(ValidationError) as refused:  # the single path says so
        credit_fact_append(fact=duplicate, actor=actor)
    assert refused.value.code == "duplicate"
    credit_fact_append(fact=_facts(single, "S", _listing_of(single).pk)[0], actor=actor)

    first = credit_facts_append(facts=_facts(bulk, "B"), actor=actor)
    second = credit_facts_append(facts=_facts(bulk, "B", _listing_of(bulk).pk), actor=actor)

    assert first == FactsAppended(written=5, skipped=1, state_changed=4)
    assert second == FactsAppended(written=1, skipped=0, state_changed=1)
    assert _snapshot(bulk, "B") == _snapshot(single, "S")
    e1, e2, e3, e4 = Enterprise.objects.filter(pk__in=[e.pk for e in bulk]).order_by("pk")
    assert (e1.status, e1.suspended_from, e1.suspended_until) == (
        "suspended",
        D(2026, 6, 1),
        D(2027, 5, 31),
    )
    assert (e2.is_abnormal, e3.status, e4.is_abnormal) == (False, "deregistered", True)


def test_a_rerun_adds_nothing_and_writes_no_enterprise(user_with_perms):
    actor = user_with_perms()
    world = _world("R")
    credit_facts_append(facts=_facts(world, "R"), actor=actor)
    before = _snapshot(world, "R")
    versions = list(Enterprise.objects.order_by("pk").values_list("version", flat=True))

    again = credit_facts_append(facts=_facts(world, "R"), actor=actor)

    assert again == FactsAppended(written=0, skipped=6, state_changed=0)
    assert _snapshot(world, "R") == before
    assert list(Enterprise.objects.order_by("pk").values_list("version", flat=True)) == versions


def test_one_bad_fact_refuses_the_call_before_anything_is_written(user_with_perms):
    world = _world("X")
    listing = credit_fact_append(fact=_facts(world, "X")[1], actor=None)
    credit_fact_append(fact=_facts(world, "X", listing.pk)[0], actor=None)
    count = CreditRecord.objects.count()
    good = CreditFact(world[0].pk, Kind.PENALTY, D(2025, 1, 2), "fined")
    twice_closed = CreditFact(
        world[1].pk, Kind.REPAIR, D(2026, 4, 1), "repaired", closes_id=listing.pk
    )
    wrong_list = CreditFact(
        world[1].pk, Kind.SERIOUS_REMOVAL, D(2026, 4, 1), "x", closes_id=listing.pk
    )
    future = CreditFact(world[0].pk, Kind.PENALTY, D(2999, 1, 1), "later")
    unknown = CreditFact(world[0].pk, "no_such_kind", D(2025, 1, 1), "?")
    for bad, message in (
        (twice_closed, "already been closed"),
        (wrong_list, "already been closed"),
        (future, "cannot be in the future"),
        (unknown, "Unknown kind"),
    ):
        with pytest.raises(ValidationError) as caught:
            credit_facts_append(facts=[good, bad], actor=None)
        assert message in str(caught.value.message_dict["facts[1]"])
    assert CreditRecord.objects.count() == count


def test_closing_a_listing_of_the_other_list_is_refused():
    world = _world("L")
    listing = credit_fact_append(fact=_facts(world, "L")[1], actor=None)
    with pytest.raises(ValidationError) as caught:
        credit_facts_append(
            facts=[
                CreditFact(
                    world[1].pk, Kind.SERIOUS_REMOVAL, D(2026, 4, 1), "x", closes_id=listing.pk
                )
            ],
            actor=None,
        )
    assert "same list" in str(caught.value.message_dict["facts[0]"])


@pytest.fixture
def only_test_subscribers():
    """The apps' own subscribers (remediation.directory, issue 15) set aside: these tests count
    the rows and batches of their own."""
    from unittest import mock

    from enterprises import subscriptions

    with mock.patch.dict(subscriptions._SUBSCRIBERS, clear=True):
        yield


def test_appends_queue_each_enterprise_for_subscribers_who_drain_it_in_batches(
    only_test_subscribers,
):
    from enterprises.subscriptions import ledger_changes_dispatch

    heard: list[list[int]] = []
    ledger_subscribe("tests.listener", heard.append)
    try:
        world = _world("Q")
        credit_facts_append(facts=_facts(world, "Q"), actor=None)
        credit_fact_append(
            fact=CreditFact(world[0].pk, Kind.PENALTY, D(2025, 2, 1), "fined"), actor=None
        )
        # One row per enterprise and call: four from the bulk call, one from the single one.
        assert LedgerChange.objects.filter(subscriber="tests.listener").count() == 5

        assert ledger_changes_dispatch(batch=3) == {"tests.listener": 5}
        assert heard == [sorted(e.pk for e in world[:3]), sorted({world[3].pk, world[0].pk})]
        assert ledger_changes_dispatch() == {"tests.listener": 0}  # idempotent
    finally:
        ledger_unsubscribe("tests.listener")


def test_a_failing_subscriber_keeps_its_batch_queued(only_test_subscribers):
    from enterprises.subscriptions import ledger_changes_dispatch

    def broken(ids):
        raise RuntimeError("down")

    ledger_subscribe("tests.broken", broken)
    try:
        world = _world("F")
        credit_facts_append(facts=_facts(world, "F"), actor=None)
        assert ledger_changes_dispatch() == {"tests.broken": 0}
        assert LedgerChange.objects.filter(subscriber="tests.broken").count() == 4
    finally:
        ledger_unsubscribe("tests.broken")
        LedgerChange.objects.all().delete()


def test_without_subscribers_an_append_queues_nothing(only_test_subscribers):
    credit_facts_append(facts=_facts(_world("N"), "N"), actor=None)
    assert not LedgerChange.objects.exists()


def test_a_fact_about_no_market_entity_is_refused():
    missing = Enterprise.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with pytest.raises(ValidationError) as caught:
        credit_facts_append(
            facts=[CreditFact(missing + 1000, Kind.PENALTY, D(2025, 1, 1), "fined")], actor=None
        )
    assert "No such market entity" in str(caught.value)
    assert not CreditRecord.objects.exists()


def test_facts_derived_in_sql_are_checked_and_idempotent():
    from enterprises.services.register import registration_facts_select

    world = _world("D")
    select, params = registration_facts_select(codes=[e.uscc for e in world])

    first = credit_facts_append_derived(select=select, params=params, actor=None)
    again = credit_facts_append_derived(select=select, params=params, actor=None)

    assert first == FactsAppended(written=4, skipped=0, state_changed=0)
    assert again == FactsAppended(written=0, skipped=4, state_changed=0)
    assert CreditRecord.objects.filter(kind=Kind.REGISTRATION).count() == 4
    assert AuditEvent.objects.filter(event_type="enterprises.credit_record_appended").count() == 4
    with pytest.raises(ValidationError) as caught:
        credit_facts_append_derived(
            select=select,
            params=[Kind.PENALTY.replace("penalty", "no_such"), *params[1:]],
            actor=None,
        )
    assert set(caught.value.message_dict) == {"facts[0]", "facts[1]", "facts[2]", "facts[3]"}
    assert CreditRecord.objects.count() == 4


def _select_of(facts, keys=None):
    """A SELECT giving these facts as `credit_facts_append_derived` reads them (seq first;
    with `keys`, each record's reserved key next: `with_ids=True`)."""
    pg = connection.vendor == "postgresql"

    def typed(kind):
        return f"CAST(%s AS {kind})" if pg else "%s"

    row = ", ".join(
        [
            "%s",
            "%s",
            "%s",
            typed("date"),
            "%s",
            typed("date"),
            typed("date"),
            "%s",
            "%s",
            "%s",
            typed("jsonb"),
            "%s",
            "%s",
            "%s",
            typed("bigint"),
        ]
    )
    if keys is not None:
        row = f"%s, {typed('bigint')}, " + row.split(", ", 1)[1]
    params = []
    for seq, f in enumerate(facts):
        app, model, key = f.source or ("", "", "")
        params += [
            seq,
            *([] if keys is None else [keys[seq]]),
            f.enterprise_id,
            f.kind,
            f.occurred_on,
            f.is_public,
            f.publicity_start or (f.occurred_on if f.is_public else None),
            f.publicity_end,
            f.authority,
            f.document_number,
            f.summary,
            json.dumps(f.details, ensure_ascii=False),
            app,
            model,
            key,
            f.closes_id,
        ]
    return " UNION ALL ".join(f"SELECT {row}" for _f in facts), params


@pytest.mark.parametrize("duplicate", [False, True], ids=["new facts", "with a duplicate"])
def test_derived_facts_leave_the_rows_of_the_bulk_path(user_with_perms, duplicate):
    """Facts given as a SELECT: straight into the ledger when all are new (PostgreSQL), staged
    when the ledger's unique index refuses one (a fact given twice); the same rows either way."""
    actor = user_with_perms()
    bulk, derived = _world("B"), _world("V")
    credit_facts_append(facts=_facts(bulk, "B"), actor=actor)
    credit_facts_append(facts=_facts(bulk, "B", _listing_of(bulk).pk), actor=actor)

    facts = _facts(derived, "V")
    select, params = _select_of(facts if duplicate else facts[:-1])
    with CaptureQueriesContext(connection) as queries:
        first = credit_facts_append_derived(select=select, params=params, actor=actor)
    staged = any("INSERT INTO cp_fact_stage" in q["sql"] for q in queries.captured_queries)
    assert staged == (duplicate or connection.vendor != "postgresql")
    select, params = _select_of(_facts(derived, "V", _listing_of(derived).pk))
    second = credit_facts_append_derived(select=select, params=params, actor=actor)

    assert first == FactsAppended(written=5, skipped=int(duplicate), state_changed=4)
    assert second == FactsAppended(written=1, skipped=0, state_changed=1)
    assert _snapshot(derived, "V") == _snapshot(bulk, "B")
    again = credit_facts_append_derived(select=select, params=params, actor=actor)
    assert again == FactsAppended(written=0, skipped=1, state_changed=0)
    assert _snapshot(derived, "V") == _snapshot(bulk, "B")


def _keys_reserved(n):
    """`n` keys of the ledger drawn before their records are written (`new_key_sql`)."""
    key = new_key_sql(CreditRecord, ordinal="ROW_NUMBER() OVER (ORDER BY v.n)")
    rows = " UNION ALL ".join(f"SELECT {i} AS n" for i in range(n))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key} FROM ({rows}) v ORDER BY v.n")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("duplicate", [False, True], ids=["new facts", "with a duplicate"])
def test_derived_facts_take_the_keys_reserved_for_them(duplicate):
    """Keys drawn before the facts are written, as a directory case points at its listing
    before the listing exists: each record takes its own, straight into the ledger and on the
    staged path (a fact given twice: the first one's key is taken); a later record gets a new
    key."""
    world = _world("K")
    facts = _facts(world, "K")
    if not duplicate:
        facts = facts[:-1]
    keys = _keys_reserved(len(facts))
    assert len(set(keys)) == len(keys)
    select, params = _select_of(facts, keys=keys)
    with CaptureQueriesContext(connection) as queries:
        done = credit_facts_append_derived(select=select, params=params, actor=None, with_ids=True)
    staged = any("INSERT INTO cp_fact_stage" in q["sql"] for q in queries.captured_queries)
    assert staged == (duplicate or connection.vendor != "postgresql")

    assert done == FactsAppended(written=5, skipped=int(duplicate), state_changed=4)
    taken = {
        (r.source_model, r.source_id): r.pk for r in CreditRecord.objects.filter(source_app="tests")
    }
    given = zip(facts[:5], keys[:5], strict=True)
    assert taken == {(f.source[1], f.source[2]): key for f, key in given}
    assert world[1].credit_records.get(kind=Kind.ABNORMAL_LISTING).pk == keys[1]
    later = credit_fact_append(fact=_facts(world, "K", keys[1])[0], actor=None)
    assert later.pk > max(keys)


def test_derived_facts_are_refused_whole_like_the_bulk_path():
    world = _world("W")
    listing = credit_fact_append(fact=_facts(world, "W")[1], actor=None)
    credit_fact_append(fact=_facts(world, "W", listing.pk)[0], actor=None)
    still_listed = credit_fact_append(fact=_facts(world, "W")[4], actor=None)
    count = CreditRecord.objects.count()
    good = CreditFact(world[0].pk, Kind.PENALTY, D(2025, 1, 2), "fined")
    for bad, key, message in (
        (  # found on the records written (the listing is open: no unique index objects)
            CreditFact(
                world[3].pk, Kind.SERIOUS_REMOVAL, D(2026, 4, 1), "x", closes_id=still_listed.pk
            ),
            "facts[1]",
            "same list",
        ),
        (
            CreditFact(world[1].pk, Kind.REPAIR, D(2026, 4, 1), "x", closes_id=listing.pk),
            "facts[1]",
            "already been closed",
        ),
        (
            CreditFact(world[2].pk, Kind.REPAIR, D(2026, 4, 1), "x", closes_id=listing.pk),
            "facts[1]",
            "another market entity",
        ),
        (
            CreditFact(world[0].pk, Kind.PENALTY, D(2999, 1, 1), "later"),
            "facts[1]",
            "Not a valid credit fact",
        ),
        (
            CreditFact(10**9, Kind.PENALTY, D(2025, 1, 1), "nobody"),
            "enterprise",
            "No such market entity",
        ),
    ):
        select, params = _select_of([good, bad])
        with pytest.raises(ValidationError) as caught:
            credit_facts_append_derived(select=select, params=params, actor=None)
        assert message in str(caught.value.message_dict[key])
    assert CreditRecord.objects.count() == count


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_derived_append_locks_the_enterprises_whose_state_it_changes(require_postgres):
    """Until the append's transaction ends, a single append to an enterprise whose state its
    facts can change waits (here: NOWAIT fails), even when the fact leaves the state as it was
    (no UPDATE holds the row then); one the same transaction created needs no lock (no other
    transaction sees it) and is appended to all the same."""
    kept, fined = EnterpriseFactory(name="甲"), EnterpriseFactory(name="乙")
    appended, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def append():
        try:
            with transaction.atomic():
                fresh = EnterpriseFactory(name="丙")
                select, params = _select_of(
                    [
                        CreditFact(
                            kept.pk,
                            Kind.STATUS_CHANGE,
                            D(2025, 7, 1),
                            "still operating",
                            details={"status": "operating"},
                        ),
                        CreditFact(fined.pk, Kind.PENALTY, D(2025, 7, 1), "fined"),
                        CreditFact(fresh.pk, Kind.ABNORMAL_LISTING, D(2025, 7, 1), "listed"),
                    ]
                )
                done = credit_facts_append_derived(select=select, params=params, actor=None)
                assert done == FactsAppended(written=3, skipped=0, state_changed=1)
                appended.set()
                release.wait(10)
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
            appended.set()
        finally:
            connections.close_all()

    worker = threading.Thread(target=append)
    worker.start()
    try:
        assert appended.wait(10) and not errors
        with pytest.raises(DatabaseError), transaction.atomic():
            Enterprise.objects.select_for_update(nowait=True).get(pk=kept.pk)
        with transaction.atomic():  # a penalty changes no state: no lock
            Enterprise.objects.select_for_update(nowait=True).get(pk=fined.pk)
    finally:
        release.set()
        worker.join()
    assert not errors
    assert Enterprise.objects.get(name="丙").is_abnormal
    assert Enterprise.objects.get(name="甲").version == kept.version


def test_closing_records_without_effect_locks_and_refreshes_no_enterprise(user_with_perms):
    """The end of a penalty's publicity term (or a reply to a letter) closes a record that no
    state depends on: the kinds that may close only such records are not among those with an
    effect, and writing them leaves every enterprise row as it was; a repair (which may close
    a listing) and a removal still count."""
    effectful = kinds_with_effect()
    assert "publicity_expired" not in effectful and "letter_reply" not in effectful
    assert {"repair", "abnormal_removal", "correction"} <= set(effectful)

    actor = user_with_perms()
    firm = EnterpriseFactory(registered_on=D(2018, 1, 1), name="E")
    penalty = credit_fact_append(
        fact=CreditFact(
            firm.pk,
            "penalty",
            D(2025, 1, 6),
            "penalty",
            is_public=True,
            publicity_start=D(2025, 1, 10),
            publicity_end=D(2025, 4, 9),
            source=("tests", "penalty", "E"),
        ),
        actor=actor,
    )
    version = Enterprise.objects.get(pk=firm.pk).version
    written = credit_facts_append(
        facts=[
            CreditFact(
                firm.pk,
                "publicity_expired",
                D(2025, 4, 10),
                "publicity ended",
                closes_id=penalty.pk,
                source=("tests", "expiry", "E"),
            )
        ],
        actor=actor,
    )
    assert written.written == 1 and written.state_changed == 0
    assert Enterprise.objects.get(pk=firm.pk).version == version
    assert CreditRecord.objects.get(pk=penalty.pk).closed_by.kind == "publicity_expired"

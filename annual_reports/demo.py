"""The annual reports of the demo district: the demo's report years filed as a district files
them (docs/domain.md §3, §4, §10, Appendix A).

`seed_demo` builds the register and its ledger (`enterprises.demo`), then runs the domain
apps' steps (`credit_portal.demo`). This one (order `STEP_ORDER`, before the directory's,
`remediation.demo_directory`) writes, for each of the demo's report years (those whose
deadline, 30 June of the next year, has passed by the as-of date, the last two: as of
2026-12-07, 2024 and 2025), through the rows and ledger facts the services write
(`annual_reports.services.reports`, `annual_reports.services.deadline`):

- an `AnnualReport` (submitted, in force, revision 1) with its `annual_report_filed` fact for
  every entity that had to report (`annual_reports.rules.report_due`: registered by 31
  December, not deregistered, revoked or moved out by the deadline) and is not late: filed
  from 1 January to 30 June with the usual rush at the end of June, mostly online, some on
  paper (counted from the day received, entered by the registrar within days); the
  enterprise form (items 1-7, a company's contributions, some investments, transfers and
  websites, figures by type and size with some losses and some negative equity, item 7
  published by a quarter of them) or an individual business's simplified one (published by
  about nine in ten); contacts from the register, kept from one year to the next;
- the late entities (`remediation.demo_directory.late_plan`: those the register demo listed
  or marked for the year, and for the figures year the punishment buffer's enterprises and
  the individual businesses restored by filing online): no report by the deadline; those
  that filed late, a late report on the day they filed (the register's cured listings on the
  day of the register's `annual_report_filed` fact, which the report is linked to);
- a few free corrections before 30 June (revision 2; both versions kept, both in the ledger
  as `annual_report_corrected`);
- the self-corrections after 30 June (信息自我纠错): `scaled(311)` a year (户次), each with
  its `CorrectionInvitation` after a spot check (used), the corrected version, and its
  `annual_report_corrected` and `self_correction` facts; about one invitation in
  `remediation.demo.PARTNER_SHARE` is the partner department's, about its own entities;
- the `annual_report_late` facts of every late entity, written by the deadline service itself
  (`deadline_late_facts_write`), as the daily job wrote them on 1 July.

Accounts: online reports are filed by the enterprise's own demo login where it has one (the
showcase), else by `FILER_USERNAME`, an inactive account standing for the filings made on the
publicity system before the portal (its reports are imported history); paper reports by the
registrar. Determinism: one `random.Random` from the seed and the figures year, the entities
in id order (the self-corrections drawn first). Idempotent: a second run finds the years'
reports and adds nothing. Speed: per chunk of `CHUNK` entities (memory stays bounded), the
rows are planned as lists with their keys, their facts appended by one `credit_facts_append`
call, then the rows written by one bulk insert (COPY on PostgreSQL, executemany on SQLite:
`rows_insert`) already linked to their facts: no UPDATE. The ledger's audit events are not
written fact by fact (one event records the step, as one records the district). A register
larger than the seed district (`MAX_ENTITIES`, 300,000) is a benchmark's: neither this step
nor the directory's writes anything there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from annual_reports import rules
from annual_reports.kinds import ANNUAL_REPORT_CORRECTED, ANNUAL_REPORT_FILED
from annual_reports.models import AnnualReport, CorrectionInvitation
from credit_portal.bulk import insert_rows, sequences_reset
from credit_portal.models import Department, User
from enterprises.models import CreditRecord, Enterprise, EnterpriseMembership
from enterprises.services.ledger import CreditFact, credit_facts_append

Form = AnnualReport.Form
Channel = AnnualReport.Channel
Correction = AnnualReport.Correction
ET = Enterprise.EntityType

STEP_ORDER = 110  # after remediation.demo (100), before remediation.demo_directory (120)
CHUNK = 50_000  # entities planned and written at a time
# The largest register the step fills: the seed district's size (300,000). A larger register is
# a benchmark's (bench/*: 1,000,000 entities), whose fixtures write their own reports for the
# latest year; filling it would cost minutes and collide with them. A setting overrides it.
MAX_ENTITIES = 300_000
AUDIT_EVENT = "demo.annual_reports_seeded"
SELF_CORRECTION = "self_correction"  # remediation.kinds.SELF_CORRECTION

# The seed's self-corrections for the year, in entity-times (户次; docs/domain.md Appendix A),
# for a district of remediation.demo.SEED_DISTRICT_ENTITIES.
SEED_SELF_CORRECTIONS = 311
# Shares of the demo (no seed figure).
PAPER_SHARE: dict[str, float] = {Form.INDIVIDUAL: 0.08, Form.ENTERPRISE: 0.03}
IB_PUBLISH_SHARE = 0.9
FINANCIALS_PUBLISHED_SHARE = 0.25
FREE_CORRECTION_SHARE = 0.015
# The end-of-June rush: this share of the year's timely reports is filed in its last
# RUSH_DAYS days, the later the more.
RUSH_SHARE = 0.45
RUSH_DAYS = 30
POSTCODE = "610200"  # 双流
FILER_USERNAME = "gsxt-annual-reports"
FILER_DISPLAY = "国家企业信用信息公示系统（年报数据导入）"
REGISTRAR, INSPECTOR, PARTNER_INSPECTOR = "registrar", "inspector", "env-inspector"
_CST = dt.timezone(dt.timedelta(hours=8))

# What a free correction changed (field, why).
_FREE_CORRECTIONS: tuple[tuple[str, str], ...] = (
    ("phone", "联系电话填报有误，更正为现用号码"),
    ("headcount", "从业人数误将季节性用工计入，予以更正"),
    ("tax_paid", "纳税总额漏填附加税费，予以更正"),
)
# What a spot check found, and the self-correction that followed (reason, field, finding).
_SELF_CORRECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        CorrectionInvitation.Reason.GENERAL_STATUS,
        "phone",
        "“双随机、一公开”抽查（企业公示信息抽查）发现：年度报告公示的联系电话无法接通，与实际不符。",
    ),
    (
        CorrectionInvitation.Reason.GENERAL_STATUS,
        "postcode",
        "“双随机、一公开”抽查（企业公示信息抽查）发现：年度报告公示的邮政编码与通信地址不符。",
    ),
    (
        CorrectionInvitation.Reason.UNINTENTIONAL,
        "total_revenue",
        "“双随机、一公开”抽查（企业公示信息抽查）发现：年度报告中营业总收入误多填一位（单位填报错误），"
        "属明显非故意差错，未造成危害后果。",
    ),
)
_CORRECTED_WHY = {
    "phone": "经抽查提示，更正联系电话",
    "postcode": "经抽查提示，更正邮政编码",
    "total_revenue": "经抽查提示，更正营业总收入（原误多填一位）",
}

# The columns a report row is planned with (attnames), in order.
COLUMNS: tuple[str, ...] = (
    "id",
    "enterprise_id",
    "year",
    "form",
    "status",
    "revision",
    "is_current",
    "correction_of_id",
    "correction",
    "correction_reason",
    "invitation_id",
    "channel",
    "filed_on",
    "late",
    "paper_reference",
    "mailing_address",
    "postcode",
    "phone",
    "email",
    "operating_status",
    "investments",
    "contributions",
    "equity_transfers",
    "websites",
    "licences",
    "headcount",
    "total_assets",
    "total_liabilities",
    "guarantees",
    "owners_equity",
    "total_revenue",
    "main_revenue",
    "total_profit",
    "net_profit",
    "tax_paid",
    "publish_financials",
    "publish",
    "credit_record_id",
    "created_by_id",
    "created_at",
    "submitted_at",
    "submitted_by_id",
    "version",
)
_AT = {name: index for index, name in enumerate(COLUMNS)}


def declare() -> None:
    """Register the step with the demo district and its audit event (from
    `AnnualReportsConfig.ready`)."""
    from credit_portal.audit import AuditEventType, audit_event_types_declare
    from credit_portal.demo import demo_step_register

    demo_step_register(
        "annual_reports", "annual_reports.demo.annual_reports_demo_build", STEP_ORDER
    )
    audit_event_types_declare(
        AuditEventType(AUDIT_EVENT, _("Demo annual reports built"), _event_summary)
    )


def _event_summary(event: Any) -> dict[str, Any]:
    extra = event.extra or {}
    counts = extra.get("counts") or {}
    return {"summary": ", ".join(f"{key} {value}" for key, value in counts.items())}


def _today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- bulk rows


def _sqlite_json(value: Any) -> Any:
    if value is None:
        return None
    return "[]" if value == [] else json.dumps(value)


def _sqlite_datetime(value: Any) -> Any:
    """An aware datetime as Django keeps it in SQLite: naive, UTC (`adapt_datetimefield_value`)."""
    if value is None:
        return None
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def rows_insert(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert new rows of `model` that carry their own keys, given as tuples for `columns`
    (attnames, the key among them), in the caller's transaction; the sequence is moved past
    them. PostgreSQL: `credit_portal.bulk.insert_rows` (COPY). SQLite: one executemany of the
    values as the database stores them (JSON dumped, aware datetimes as naive UTC), a column
    left out holding its default (the time of the write if it is stamped): `insert_rows`
    builds a model instance per row there (`bulk_create`), which made 20,000 reports cost 5 s
    instead of 0.3 s."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        insert_rows(model, columns, rows, with_pk=True)
        sequences_reset(model)
        return
    meta = model._meta
    fields = {f.attname: f for f in meta.concrete_fields}
    unknown = [c for c in columns if c not in fields]
    if unknown:
        raise ValueError(f"{meta.label}: not columns: {unknown}")
    now = timezone.now()
    ops = connection.ops
    omitted = [f for f in meta.concrete_fields if f.attname not in columns]
    tail = tuple(
        ops.adapt_datetimefield_value(now)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_db_prep_save(f.get_default(), connection)
        for f in omitted
    )
    special: list[tuple[int, Any]] = []
    for index, name in enumerate(columns):
        f = fields[name]
        if isinstance(f, models.JSONField):
            special.append((index, _sqlite_json))
        elif isinstance(f, models.DateTimeField):
            special.append((index, _sqlite_datetime))
    values = []
    for row in rows:
        if special:
            row = list(row)
            for index, convert in special:
                row[index] = convert(row[index])
        values.append((*row, *tail))
    quote = ops.quote_name
    names = [fields[c].column for c in columns] + [f.column for f in omitted]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, names))}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def statistics_refresh() -> None:
    """SQLite: refresh the planner's statistics (ANALYZE, a tenth of a second on the default
    district) after the step's bulk writes. Without them SQLite reads the year's reports of the
    deadline run's anti-join (`annual_reports.services.deadline`) through the index on (year,
    status, filed_on), a scan of the year per entity (minutes on 20,000 entities), instead of
    the entity's own. PostgreSQL analyses by itself (autovacuum)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@contextlib.contextmanager
def ledger_source_index() -> Iterator[None]:
    """SQLite: an index on the ledger's (source id, kind) for the duration of a demo step's
    bulk appends, dropped at its end (in its transaction: a rollback takes it away too).

    The ledger's bulk append drops the staged facts it holds already by their source
    (`enterprises.services.ledger._drop_recorded`); its subquery says `source_id <> ''` where
    the partial unique index on the source says `NOT (source_id = '')`, which SQLite's planner
    does not take for the same predicate: it scans the facts of the kind instead, once per
    staged fact (30,000 reports against the register's filings: 8 to 60 s instead of a tenth
    of a second). Writing the predicate as the index declares it, in the ledger, would make
    this unnecessary. PostgreSQL uses the index as it is."""
    if connection.vendor != "sqlite":
        yield
        return
    table = connection.ops.quote_name(CreditRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS demo_credit_source ON {table} (source_id, kind)"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS demo_credit_source")


def instances_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """`rows_insert` of model instances that carry their keys (every concrete column but the
    stamped ones, which hold the time of the write)."""
    columns = [
        f.attname
        for f in model._meta.concrete_fields
        if not (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
    ]
    rows_insert(model, columns, [tuple(getattr(o, c) for c in columns) for o in objs])


# --------------------------------------------------------------------------- the step


@dataclass
class AnnualDemoResult:
    years: list[int]
    counts: dict[str, int] = field(default_factory=dict)
    skipped: bool = False


def annual_reports_demo_build(*, as_of: dt.date, seed: int, stdout: Any = None) -> AnnualDemoResult:
    """File the demo's report years (the module docstring). Deterministic for (as_of, seed,
    the register); a second run adds nothing; a register larger than `max_entities()` is left
    as it is."""
    builder = _Builder(as_of=as_of, seed=seed)
    entities = Enterprise.objects.count()
    if entities > max_entities():
        result = AnnualDemoResult(builder.years, skipped=True)
        done = too_large_text(entities)
    else:
        result = builder.build()
        made = ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
        done = "already there" if result.skipped else made
    if stdout is not None:
        years = "–".join(str(y) for y in (result.years[0], result.years[-1]))
        stdout.write(f"  annual reports {years}: {done}")
    return result


def max_entities() -> int:
    """The largest register the demo's annual reports and directory fill (`MAX_ENTITIES`,
    setting DEMO_REPORTS_MAX_ENTITIES)."""
    return int(settings.CREDIT_PORTAL.get("DEMO_REPORTS_MAX_ENTITIES", MAX_ENTITIES))


def too_large_text(entities: int) -> str:
    return (
        f"not written: {entities:,} market entities, more than {max_entities():,} (a "
        "benchmark's register: its fixtures write their own reports)"
    )


def filer_account() -> User:
    """The account of the reports filed on the publicity system before the portal (imported
    history): inactive, no usable password. Made on first use."""
    user, created = User.objects.get_or_create(
        username=FILER_USERNAME, defaults={"display_name": FILER_DISPLAY, "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


class _Entity:
    """An entity of the register as the step reads it (one query), with its profile: what its
    reports keep from year to year."""

    __slots__ = (
        "address",
        "capital",
        "contributions",
        "department_id",
        "division",
        "email",
        "entity_type",
        "form",
        "id",
        "investments",
        "legal_rep_name",
        "licences",
        "name",
        "name_initials",
        "phone",
        "publish",
        "publish_financials",
        "registered_on",
        "second_shareholder",
        "size",
        "status",
        "status_changed_on",
        "suspended_from",
        "uscc",
        "websites",
    )

    id: int
    entity_type: str
    registered_on: dt.date
    status: str
    status_changed_on: dt.date | None
    suspended_from: dt.date | None
    address: str
    capital: Any
    legal_rep_name: str
    name: str
    name_initials: str
    division: str
    department_id: int
    uscc: str
    form: str
    phone: str
    email: str
    websites: list[dict[str, Any]]
    contributions: list[dict[str, Any]]
    investments: list[dict[str, Any]]
    licences: list[dict[str, Any]]
    size: float
    publish: bool
    publish_financials: bool
    second_shareholder: str

    def __init__(self, row: tuple[Any, ...]) -> None:
        (
            self.id,
            self.entity_type,
            self.registered_on,
            self.status,
            self.status_changed_on,
            self.suspended_from,
            self.address,
            self.capital,
            self.legal_rep_name,
            self.name,
            self.name_initials,
            self.division,
            self.department_id,
            self.uscc,
        ) = row
        self.form = (
            Form.INDIVIDUAL if self.entity_type == ET.INDIVIDUAL_BUSINESS else Form.ENTERPRISE
        )


_ENTITY_FIELDS = (
    "id",
    "entity_type",
    "registered_on",
    "status",
    "status_changed_on",
    "suspended_from",
    "address",
    "registered_capital",
    "legal_rep_name",
    "name",
    "name_initials",
    "industry_division",
    "department_id",
    "uscc",
)


def _int(rnd: random.Random, low: int, high: int) -> int:
    """A whole number in [low, high] from one draw (`randint` draws bits in a loop: three times
    slower, and the step makes hundreds of thousands of them)."""
    return low + int(rnd.random() * (high - low + 1))


def _money(value: float) -> str:
    """An amount in CNY 10,000 with two decimals, as the column stores it."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


class _Builder:
    def __init__(self, *, as_of: dt.date, seed: int) -> None:
        from remediation.demo_directory import report_years

        self.as_of = min(as_of, _today())
        self.seed = seed
        self.years = report_years(self.as_of)
        self.rnd = random.Random(f"annual-reports-demo-{seed}-{self.as_of.year - 1}")  # noqa: S311
        self.rows: list[list[Any]] = []
        self.invitations: list[CorrectionInvitation] = []
        self.counts: dict[str, int] = {}
        self.paper_seq: dict[int, int] = {}
        self.working: dict[dt.date, bool] = {}
        self.companies: list[tuple[str, str]] = []
        self.invited: dict[tuple[int, int], tuple[dt.date, bool]] = {}

    def _count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def _working(self, day: dt.date) -> bool:
        """`is_working_day`, remembered for the build (it reads the holiday calendar)."""
        from credit_portal.workdays import is_working_day

        found = self.working.get(day)
        if found is None:
            found = self.working[day] = is_working_day(day)
        return found

    def build(self) -> AnnualDemoResult:
        from credit_portal.audit import audit_event_record
        from credit_portal.demo import demo_accounts_build
        from remediation.demo import PARTNER_DEPARTMENT

        with transaction.atomic():
            if AnnualReport.objects.filter(year__in=self.years).exists():
                return AnnualDemoResult(self.years, skipped=True)  # built already
            staff = [REGISTRAR, INSPECTOR, PARTNER_INSPECTOR]
            if User.objects.filter(username__in=staff).count() < len(staff):
                demo_accounts_build()  # the demo's departments and staff (idempotent)
            self.users = {u.username: u for u in User.objects.filter(username__in=staff)}
            self.filer = filer_account()
            self.bound = dict(EnterpriseMembership.objects.values_list("enterprise_id", "user_id"))
            self.bureau = Department.objects.filter(is_bureau=True).first()
            self.partner = Department.objects.filter(code=PARTNER_DEPARTMENT).first()
            self.next_pk = (
                AnnualReport.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            ) + 1
            with ledger_source_index():
                self._plan_and_write()
            audit_event_record(
                actor=None,
                event_type=AUDIT_EVENT,
                extra={"years": self.years, "as_of": self.as_of, "counts": self.counts},
            )
        return AnnualDemoResult(self.years, counts=self.counts)

    # -- planning

    def _plan_and_write(self) -> None:
        """The reports, chunk by chunk of entities (memory stays bounded on a large district),
        then the late facts."""
        from annual_reports.services.deadline import deadline_late_facts_write
        from remediation.demo_directory import late_plan

        plans = late_plan(as_of=self.as_of, seed=self.seed)
        light = list(
            Enterprise.objects.order_by("pk").values_list(
                "id", "registered_on", "status", "status_changed_on", "department_id"
            )
        )
        self.invited = self._self_corrections_chosen(light, plans)
        ids = [row[0] for row in light]
        del light
        for start in range(0, len(ids), CHUNK):
            low, high = ids[start], ids[min(start + CHUNK, len(ids)) - 1]
            chunk = Enterprise.objects.filter(pk__gte=low, pk__lte=high).order_by("pk")
            self.rows, self.invitations = [], []
            for row in chunk.values_list(*_ENTITY_FIELDS):
                self._entity(_Entity(row), plans)
            self._write()
        statistics_refresh()
        for year in self.years:
            written = deadline_late_facts_write(year=year, on=self.as_of)
            self._count(f"{year} late facts", written)

    def _entity(self, entity: _Entity, plans: dict[int, Any]) -> None:
        """The reports of one entity for the demo's years."""
        rnd = self.rnd
        self._profile(entity, rnd)
        for year in self.years:
            if not rules.report_due(entity, year)[0]:
                continue
            plan = plans[year]
            if entity.id in plan.late:
                filing = plan.filings.get(entity.id)
                if filing is None:
                    self._count(f"{year} late, not filed")
                    continue
                row = self._report(entity, year, filing.filed_on, filing.channel, late=True)
                row[_AT["credit_record_id"]] = filing.record_id
                self._count(f"{year} filed late")
                continue
            paper = rnd.random() < PAPER_SHARE[entity.form]
            day = self._timely_day(year, paper)
            row = self._report(entity, year, day, Channel.PAPER if paper else Channel.ONLINE)
            self._count(f"{year} filed")
            invited = self.invited.get((entity.id, year))
            if invited is not None:
                self._self_correction(entity, row, *invited)
            elif (
                day < rules.free_correction_until(year) - dt.timedelta(days=3)
                and rnd.random() < FREE_CORRECTION_SHARE
            ):
                self._free_correction(row)

    def _profile(self, e: _Entity, rnd: random.Random) -> None:
        """What the entity's reports keep from year to year: contacts, websites, shareholders,
        licences, its size, its publicity choices."""
        e.phone = f"028-8{_int(rnd, 0, 9_999_999):07d}"
        initials = (e.name_initials or "").lower()[:10] or "sl"
        e.email = f"{initials}{e.id % 10_000}@demo.invalid" if e.form == Form.ENTERPRISE else ""
        short = e.name.removeprefix("成都市双流区").removeprefix("成都市").removeprefix("成都")
        e.websites = []
        if rnd.random() < (0.12 if e.form == Form.INDIVIDUAL else 0.06):
            e.websites = [
                {
                    "kind": "shop",
                    "name": f"{short[:20]}网店",
                    "url": f"https://shop{e.id}.demo.invalid/",
                }
            ]
        e.capital = float(e.capital) if e.capital is not None else None
        base = e.capital or (5.0 if e.form == Form.INDIVIDUAL else 100.0)
        e.size = base * rnd.lognormvariate(-0.2, 0.6)
        e.publish = e.form == Form.ENTERPRISE or rnd.random() < IB_PUBLISH_SHARE
        e.publish_financials = e.form == Form.ENTERPRISE and rnd.random() < (
            FINANCIALS_PUBLISHED_SHARE
        )
        e.contributions = []
        e.second_shareholder = ""
        if e.entity_type == ET.COMPANY:
            from enterprises.demo import GIVEN, SURNAMES

            capital = e.capital or 100.0
            shares = [1.0]
            if rnd.random() < 0.3:
                first = rnd.choice((0.51, 0.6, 0.7, 0.8))
                shares = [first, 1 - first]
                e.second_shareholder = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN)
            subscribed_on = e.registered_on.replace(year=e.registered_on.year + 5, day=1)
            for share, holder in zip(
                shares, [e.legal_rep_name, e.second_shareholder], strict=False
            ):
                row: dict[str, Any] = {
                    "shareholder": holder,
                    "subscribed": _money(capital * share),
                    "subscribed_on": subscribed_on.isoformat(),
                    "subscribed_form": "货币",
                }
                if rnd.random() < 0.45:
                    paid_on = e.registered_on + dt.timedelta(days=rnd.randint(20, 365))
                    row.update(
                        paid=_money(capital * share * rnd.choice((1.0, 1.0, 0.5, 0.3))),
                        paid_on=paid_on.isoformat(),
                        paid_form="货币",
                    )
                e.contributions.append(row)
        e.investments = []
        if e.entity_type == ET.COMPANY:
            if rnd.random() < 0.04 and self.companies:
                other = rnd.choice(self.companies)
                e.investments = [{"name": other[0], "uscc": other[1]}]
            # The companies met lately: the ones the next may have invested in.
            self.companies.append((e.name, e.uscc))
            if len(self.companies) > 500:
                self.companies.pop(0)
        e.licences = []
        if e.form == Form.INDIVIDUAL and e.division in ("62", "52") and rnd.random() < 0.5:
            until = e.registered_on.replace(day=1) + dt.timedelta(
                days=5 * 365 + rnd.randint(0, 900)
            )
            e.licences = [{"name": "食品经营许可证", "valid_until": until.isoformat()}]

    def _timely_day(self, year: int, paper: bool) -> dt.date:
        """A day of the window (1 January – 30 June of the next year), the end of June the
        busiest; a paper report on a working day (the day the bureau received it)."""
        rnd = self.rnd
        first, deadline = rules.window_opens(year), rules.report_deadline(year)
        if rnd.random() < RUSH_SHARE:
            day = deadline - dt.timedelta(days=int(RUSH_DAYS * rnd.random() ** 2))
        else:
            day = first + dt.timedelta(days=_int(rnd, 1, (deadline - first).days))
        if paper:
            while not self._working(day) and day > first:
                day -= dt.timedelta(days=1)
        return day

    def _figures(self, e: _Entity, year: int) -> dict[str, Any]:
        """Item 7 (an individual business: headcount, revenue, tax) for one year."""
        rnd = self.rnd
        size = e.size * rnd.lognormvariate(0.03, 0.15)
        if e.form == Form.INDIVIDUAL:
            revenue = max(size * rnd.lognormvariate(0.8, 0.6), 0.5)
            return {
                "headcount": rnd.choice((1, 1, 2, 2, 3, 4, 6)),
                "total_revenue": _money(revenue),
                "tax_paid": _money(0 if revenue < 12 else revenue * rnd.uniform(0.005, 0.015)),
            }
        assets = max(size, 1.0)
        liabilities = assets * rnd.uniform(0.05, 1.15)  # above the assets: negative equity
        dormant = rnd.random() < 0.07
        revenue = 0.0 if dormant else assets * rnd.lognormvariate(-0.1, 0.7)
        margin = rnd.gauss(0.04, 0.07)  # some losses
        profit = -assets * rnd.uniform(0.0, 0.03) if dormant else revenue * margin
        return {
            "headcount": max(1, int(assets**0.5 * rnd.uniform(0.3, 1.1))),
            "total_assets": _money(assets),
            "total_liabilities": _money(liabilities),
            "guarantees": _money(0 if rnd.random() < 0.95 else assets * rnd.uniform(0.05, 0.3)),
            "owners_equity": _money(assets - liabilities),
            "total_revenue": _money(revenue),
            "main_revenue": _money(revenue * rnd.uniform(0.85, 1.0)),
            "total_profit": _money(profit),
            "net_profit": _money(profit * 0.75 if profit > 0 else profit),
            "tax_paid": _money(revenue * rnd.uniform(0.01, 0.06)),
        }

    def _report(
        self, e: _Entity, year: int, filed_on: dt.date, channel: str, *, late: bool = False
    ) -> list[Any]:
        """A submitted original (revision 1, in force), as a row of COLUMNS."""
        rnd = self.rnd
        suspended = e.suspended_from is not None and e.suspended_from <= dt.date(year, 12, 31)
        transfers: list[dict[str, Any]] = []
        if e.second_shareholder and rnd.random() < 0.05:
            changed = dt.date(year, 1, 1) + dt.timedelta(days=rnd.randint(0, 360))
            transfers = [
                {
                    "shareholder": e.second_shareholder,
                    "before": "40",
                    "after": "30",
                    "changed_on": changed.isoformat(),
                }
            ]
        if channel == Channel.PAPER:
            user = self.users[REGISTRAR].pk
            entered = filed_on + dt.timedelta(days=rnd.randint(1, 10))
            entered += dt.timedelta(
                days=max(0, 7 - entered.weekday()) if entered.weekday() > 4 else 0
            )
            submitted = dt.datetime.combine(
                min(entered, self.as_of), dt.time(15, rnd.randint(0, 59)), tzinfo=_CST
            )
            created = submitted - dt.timedelta(minutes=rnd.randint(5, 30))
            seq = self.paper_seq[year] = self.paper_seq.get(year, 0) + 1
            reference = f"双市监年报纸〔{year + 1}〕{seq}号"
        else:
            user = self.bound.get(e.id, self.filer.pk)
            submitted = dt.datetime.combine(
                filed_on, dt.time(_int(rnd, 8, 22), _int(rnd, 0, 59)), tzinfo=_CST
            )
            created = submitted - dt.timedelta(minutes=_int(rnd, 5, 180))
            reference = ""
        values: dict[str, Any] = {
            "id": self._pk(),
            "enterprise_id": e.id,
            "year": year,
            "form": e.form,
            "status": AnnualReport.Status.SUBMITTED,
            "revision": 1,
            "is_current": True,
            "correction": Correction.NONE,
            "correction_reason": "",
            "channel": channel,
            "filed_on": filed_on,
            "late": late,
            "paper_reference": reference,
            "mailing_address": e.address if e.form == Form.ENTERPRISE else "",
            "postcode": POSTCODE if e.form == Form.ENTERPRISE else "",
            "phone": e.phone,
            "email": e.email,
            "operating_status": (
                AnnualReport.OperatingStatus.SUSPENDED
                if suspended
                else AnnualReport.OperatingStatus.OPERATING
            ),
            "investments": e.investments,
            "contributions": e.contributions if e.form == Form.ENTERPRISE else [],
            "equity_transfers": transfers,
            "websites": e.websites,
            "licences": e.licences,
            "publish_financials": e.publish_financials,
            "publish": e.publish,
            "created_by_id": user,
            "created_at": created,
            "submitted_at": submitted,
            "submitted_by_id": user,
            "version": 2,  # saved as a draft, then submitted
            **self._figures(e, year),
        }
        row = [values.get(name) for name in COLUMNS]
        self.rows.append(row)
        return row

    def _pk(self) -> int:
        pk = self.next_pk
        self.next_pk += 1
        return pk

    def _correction(self, original: list[Any], filed_on: dt.date, kind: str, why: str) -> list[Any]:
        """A submitted correction of `original` (which stays, no longer in force)."""
        row = list(original)
        original[_AT["is_current"]] = False
        at = dt.datetime.combine(filed_on, dt.time(self.rnd.randint(9, 21)), tzinfo=_CST)
        row[_AT["id"]] = self._pk()
        row[_AT["revision"]] = original[_AT["revision"]] + 1
        row[_AT["correction_of_id"]] = original[_AT["id"]]
        row[_AT["correction"]] = kind
        row[_AT["correction_reason"]] = why
        row[_AT["channel"]] = Channel.ONLINE
        row[_AT["filed_on"]] = filed_on
        row[_AT["paper_reference"]] = ""
        row[_AT["credit_record_id"]] = None
        row[_AT["created_at"]] = at - dt.timedelta(minutes=self.rnd.randint(5, 60))
        row[_AT["submitted_at"]] = at
        if original[_AT["submitted_by_id"]] == self.users[REGISTRAR].pk:
            row[_AT["created_by_id"]] = row[_AT["submitted_by_id"]] = self.filer.pk
        self.rows.append(row)
        return row

    def _free_correction(self, original: list[Any]) -> None:
        """A report corrected before 30 June (a free correction; both versions kept)."""
        rnd = self.rnd
        year, filed = original[_AT["year"]], original[_AT["filed_on"]]
        deadline = rules.free_correction_until(year)
        name, why = rnd.choice(_FREE_CORRECTIONS)
        day = filed + dt.timedelta(days=1 + int(((deadline - filed).days - 1) * rnd.random() ** 2))
        row = self._correction(original, day, Correction.FREE, why)
        if name == "phone":
            row[_AT["phone"]] = f"028-8{_int(rnd, 0, 9_999_999):07d}"
        elif name == "headcount":
            row[_AT["headcount"]] = max(1, int(original[_AT["headcount"]] or 1) - _int(rnd, 1, 3))
        else:
            tax = float(original[_AT["tax_paid"]] or 0)
            row[_AT["tax_paid"]] = _money(tax * 1.12 + 0.01)
        self._count(f"{year} corrected before 30 June")

    def _self_corrections_chosen(
        self, light: list[tuple[Any, ...]], plans: dict[int, Any]
    ) -> dict[tuple[int, int], tuple[dt.date, bool]]:
        """The self-corrections after 30 June (docs/domain.md §10), `scaled(311)` a year:
        {(entity, year): (invited on, by the partner department)}, drawn from the entities
        that filed on time and still operate; about one in PARTNER_SHARE invited by the
        partner department, about one of its own entities."""
        from remediation.demo import PARTNER_SHARE, scaled

        rnd = self.rnd
        chosen: dict[tuple[int, int], tuple[dt.date, bool]] = {}
        partner_id = self.partner.pk if self.partner is not None else None
        open_ = (Enterprise.Status.OPERATING, Enterprise.Status.SUSPENDED)
        for year in self.years:
            first = rules.report_deadline(year) + dt.timedelta(days=15)
            last = min(
                dt.date(year + 1, 12, 15), self.as_of - dt.timedelta(days=rules.INVITATION_DAYS)
            )
            if last < first or self.bureau is None:
                continue
            late = plans[year].late
            pools: dict[bool, list[int]] = {True: [], False: []}
            for entity_id, registered_on, status, changed_on, department_id in light:
                if (
                    status in open_
                    and entity_id not in late
                    and rules.report_due(_Due(registered_on, status, changed_on), year)[0]
                ):
                    pools[department_id == partner_id].append(entity_id)
            wanted = scaled(SEED_SELF_CORRECTIONS, len(light))
            picks = {
                partner: rnd.sample(pool, min(len(pool), wanted)) for partner, pool in pools.items()
            }
            days = sorted(_day_between(rnd, first, last) for _ in range(wanted))
            for index, invited in enumerate(days):
                partner = index % PARTNER_SHARE == PARTNER_SHARE - 1 and bool(picks[True])
                if not picks[partner]:
                    break
                chosen[(picks[partner].pop(), year)] = (invited, partner)
        return chosen

    def _self_correction(
        self, e: _Entity, original: list[Any], invited: dt.date, partner: bool
    ) -> None:
        """An invitation after a spot check, and the correction within its days; both versions
        kept: the original got it wrong, the correction puts it right."""
        rnd = self.rnd
        year = original[_AT["year"]]
        reason, name, findings = rnd.choice(_SELF_CORRECTIONS)
        if name == "postcode" and e.form == Form.INDIVIDUAL:
            reason, name, findings = _SELF_CORRECTIONS[0]
        department = self.partner if partner else self.bureau
        assert department is not None  # noqa: S101 - no choice without the bureau
        invitation = CorrectionInvitation(
            enterprise_id=e.id,
            year=year,
            reason=reason,
            findings=findings,
            department=department,
            invited_on=invited,
            respond_by=invited + dt.timedelta(days=rules.INVITATION_DAYS),
            status=CorrectionInvitation.Status.USED,
            created_by=self.users[PARTNER_INSPECTOR if partner else INSPECTOR],
            created_at=dt.datetime.combine(invited, dt.time(10), tzinfo=_CST),
            version=2,  # made, then used
        )
        self.invitations.append(invitation)
        corrected = min(
            invited + dt.timedelta(days=_int(rnd, 1, rules.INVITATION_DAYS)), self.as_of
        )
        keys = ("total_revenue", "main_revenue") if name == "total_revenue" else (name,)
        right = {key: original[_AT[key]] for key in keys}
        if name == "phone":
            original[_AT["phone"]] = f"028-8{_int(rnd, 0, 9_999_999):07d}"
        elif name == "postcode":
            original[_AT["postcode"]] = "610000"
        else:
            for key in keys:
                if original[_AT[key]] is not None:
                    original[_AT[key]] = _money(float(original[_AT[key]]) * 10)
        row = self._correction(
            original, corrected, Correction.SELF_CORRECTION, _CORRECTED_WHY[name]
        )
        for key, value in right.items():
            row[_AT[key]] = value
        row[_AT["invitation_id"]] = invitation  # its key once written
        self._count(f"{year} self-corrections")

    # -- writing

    def _write(self) -> None:
        """The chunk's invitations, the reports' ledger facts, then the reports, each linked to
        its fact (no UPDATE after the insert: the keys of the reports are given here)."""
        if not self.rows:
            return
        CorrectionInvitation.objects.bulk_create(self.invitations)
        at = _AT["invitation_id"]
        for row in self.rows:
            if isinstance(row[at], CorrectionInvitation):
                row[at] = row[at].pk
        facts = [fact for row in self.rows for fact in _facts_of(row)]
        credit_facts_append(facts=facts, actor=None, audited=False)
        records = _records_of([row[_AT["id"]] for row in self.rows])
        record_at = _AT["credit_record_id"]
        for row in self.rows:
            kind = ANNUAL_REPORT_FILED if row[_AT["revision"]] == 1 else ANNUAL_REPORT_CORRECTED
            if row[record_at] is None:
                row[record_at] = records[(row[_AT["id"]], kind)]
        rows_insert(AnnualReport, COLUMNS, self.rows)


class _Due(NamedTuple):
    """What `rules.report_due` reads of an entity."""

    registered_on: dt.date
    status: str
    status_changed_on: dt.date | None


def _day_between(rnd: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=_int(rnd, 0, (last - first).days))


# --------------------------------------------------------------------------- the facts


def _facts_of(row: Sequence[Any]) -> list[CreditFact]:
    """The ledger facts of a report row, as the submission service writes them
    (`annual_reports.services.reports._file`: summaries, details, publicity): an original's
    `annual_report_filed` (none for a late filing of the register's history, which keeps the
    register's fact), a correction's `annual_report_corrected`, and `self_correction` beside
    an invited one."""
    year, revision, filed_on = row[_AT["year"]], row[_AT["revision"]], row[_AT["filed_on"]]
    enterprise_id = row[_AT["enterprise_id"]]
    source = ("annual_reports", "annualreport", str(row[_AT["id"]]))
    if revision == 1:
        if row[_AT["credit_record_id"]] is not None:
            return []
        summary = f"报送{year}年度报告"
        if row[_AT["channel"]] == Channel.PAPER:
            summary += "（纸质报送）"
        if row[_AT["late"]]:
            summary += "（逾期报送）"
        form = row[_AT["form"]]
        return [
            CreditFact(
                enterprise_id=enterprise_id,
                kind=ANNUAL_REPORT_FILED,
                occurred_on=filed_on,
                summary=summary,
                is_public=form == Form.ENTERPRISE or bool(row[_AT["publish"]]),
                details={
                    "year": year,
                    "late": row[_AT["late"]],
                    "channel": str(row[_AT["channel"]]),
                    "form": str(form),
                },
                source=source,
            )
        ]
    invited = row[_AT["correction"]] == Correction.SELF_CORRECTION
    facts = [
        CreditFact(
            enterprise_id=enterprise_id,
            kind=ANNUAL_REPORT_CORRECTED,
            occurred_on=filed_on,
            summary=(
                f"{year}年度报告信息自我纠错（第{revision}版）"
                if invited
                else f"更正{year}年度报告（第{revision}版）"
            ),
            details={"year": year, "revision": revision, "correction": str(row[_AT["correction"]])},
            source=source,
        )
    ]
    if invited:
        facts.append(
            CreditFact(
                enterprise_id=enterprise_id,
                kind=SELF_CORRECTION,
                occurred_on=filed_on,
                summary=f"{year}年度报告信息自我纠错",
                details={
                    "what": "annual_report",
                    "year": year,
                    "invitation": row[_AT["invitation_id"]],
                },
                source=source,
            )
        )
    return facts


def _records_of(report_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """{(report id, kind): record id} of the filed and corrected facts of these reports: one
    query (the ledger's unique index on the source; on SQLite its partial predicate written as
    it is declared, NOT (source_id = ''), for the planner)."""
    record = connection.ops.quote_name(CreditRecord._meta.db_table)
    ids: Any = [str(pk) for pk in report_ids]
    if _pg():
        listed = "r.source_id = ANY(%s)"
    else:
        listed = "r.source_id IN (SELECT value FROM json_each(%s))"
        ids = json.dumps(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.source_id, r.kind, r.id FROM {record} r "  # noqa: S608
            "WHERE r.source_app = 'annual_reports' AND r.source_model = 'annualreport' "
            f"AND r.kind IN (%s, %s) AND NOT (r.source_id = '') AND {listed}",
            [ANNUAL_REPORT_FILED, ANNUAL_REPORT_CORRECTED, ids],
        )
        return {(int(source_id), kind): pk for source_id, kind, pk in cursor.fetchall()}


def _pg() -> bool:
    return connection.vendor == "postgresql"

"""The life of a verifiable draw (issue 17 §3; /work/shared/DRAW.md; docs/architecture.md
"Inspections", the draw): request → commitment (a job) → outside value → derivation (a job) →
reveal, and the redraw.

- `draw_request_commit` validates the request (approved plans of one year, of the draw's kind,
  ratios within 0–100 %, class A at its floor, enough inspectors: each problem with its
  numbers) and enqueues a commit job (`DrawJob`, run by `inspections.tasks.draw_job_run_task`
  on the bulk queue). The job, in one transaction: a redraw's old draw superseded and its
  unstarted inspections cancelled; the pools frozen as of the date (`services.pools`); the
  roster (active inspectors of the plans' departments, recusals in force, each pooled firm's
  previous inspectors); each plan's strata named S1, S2, ... in an order drawn with `secrets`
  (strata are risk classes, internal: the private `strata.tsv` maps the labels, its hash in the
  manifest); the files `manifest.json`, `pool.tsv` (public at once), `roster.tsv`,
  `exclusions.tsv`, `strata.tsv` (never public) written gzip-compressed through Django's
  storage (`DrawFile`; hashes and sizes of the text); the `Draw` with its manifest,
  commitment hash and the previous draw's hash (under a lock, so two commitments never share
  a predecessor), its `DrawStratum` rows
  and `Exclusion` rows. A secret server seed (`secrets`) is stored; its hash is in the manifest.
- `draw_record_outside` records the outside value once (optimistic locking on `version`).
- `draw_request_derive` enqueues the derivation job: read back the committed `pool.tsv` and
  `roster.tsv` (their hashes checked against the commitment), select and assign with
  `inspections.verify` (the published verifier itself), write `reveal.json`, `selection.tsv`
  and `assignment.tsv` (private until the reveal) and the selection hash (public at once), the
  `Selection` rows, and per visit ONE `Inspection` (a joint visit carries every plan's items)
  with its checks and its inspectors.
- `draw_reveal` (and the daily `draws_reveal_due`) runs the verifier over the stored files and
  refuses, loudly, a draw whose files do not reproduce its commitment and selection hash;
  refused too while any of its inspections is neither published nor cancelled.
- Append-only: a draw is never edited (its commitment columns are refused by a trigger on
  PostgreSQL, migration 0003) nor deleted; a redraw is a new draw pointing to the old one with
  its reason.

Each job action is one transaction: a killed worker's job is rerun by the sweeper from the
start and the draw's own state makes a finished action find nothing to do.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import logging
import secrets
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.bulk import insert_rows
from credit_portal.errors import ConflictError
from credit_portal.jobs import (
    JobLeaseLost,
    Lease,
    job_claim,
    job_continue_later,
    job_enqueue,
    job_finish,
    job_lease_renew,
)
from credit_portal.models import User
from enterprises.models import Enterprise
from inspections import audit_events, rules, verify
from inspections.models import (
    Draw,
    DrawFile,
    DrawJob,
    DrawStratum,
    Inspection,
    InspectionAssignment,
    InspectionCheck,
    Inspector,
    Recusal,
    SamplingPlan,
    Selection,
)
from inspections.services.pools import (
    FrozenPools,
    StratumCount,
    frozen_pools,
    plans_capacity_problems,
)

logger = logging.getLogger(__name__)

Status = Draw.Status
Action = DrawJob.Action
# A lock key of its own (two-key advisory lock): the chain of draws, one commitment at a time.
CHAIN_LOCK = (0x43504452, 1)  # "CPDR", 1
# The commitment's memory for PostgreSQL's sorts and hashes (the 3,400,000 pooled pairs of
# bench/draw_bench.py are sorted in about 200 MB).
COMMIT_WORK_MEM = "256MB"
GZIP_LEVEL = 1  # the big files (pool: ~100 MB for 3,000,000 pairs) are written in seconds
# Text that would make the seed's "|"-joined input ambiguous, or a file's line break.
FORBIDDEN_IN_OUTSIDE = ("|", "\t", "\n", "\r")
OUTSIDE_MAX = 200
UNFINISHED_JOB = (DrawJob.Status.PENDING, DrawJob.Status.RUNNING)
DONE_INSPECTION = (Inspection.Status.PUBLISHED, Inspection.Status.CANCELLED)


@dataclass
class VerifyReport:
    ok: bool
    lines: list[str] = field(default_factory=list)


def _actor(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def staff_id(inspector_id: int) -> str:
    """An inspector's id in the published files: the inspector's number, six digits (so that
    the text order is the numeric order)."""
    return f"{inspector_id:06d}"


# --------------------------------------------------------------------------- requests


def _plans_problems(
    *, plans: Sequence[SamplingPlan], as_of: dt.date, is_control: bool
) -> dict[str, list[str]]:
    """What is wrong with drawing `plans` as of `as_of`, by field."""
    errors: dict[str, list[str]] = defaultdict(list)
    if not plans:
        errors["plans"].append(_("Choose at least one approved sampling plan."))
        return errors
    if as_of > timezone.localdate():
        errors["as_of"].append(_("The pool cannot be taken as of a day in the future."))
    years = sorted({p.year for p in plans})
    if len(years) > 1:
        errors["plans"].append(
            _("The plans of one draw belong to one year; these are of %(years)s.")
            % {"years": ", ".join(str(y) for y in years)}
        )
    floor = Decimal(rules.A_FLOOR_PERCENT)
    for plan in plans:
        if plan.status != SamplingPlan.Status.APPROVED:
            errors["plans"].append(
                _("Plan %(plan)s is not approved (%(status)s): approve it before drawing.")
                % {"plan": plan.code, "status": plan.get_status_display()}
            )
        if is_control and plan.kind != SamplingPlan.Kind.CONTROL:
            errors["plans"].append(
                _("Plan %(plan)s is not a control plan: a control draw takes control plans only.")
                % {"plan": plan.code}
            )
        if not is_control and plan.kind == SamplingPlan.Kind.CONTROL:
            errors["plans"].append(
                _("Plan %(plan)s is a control plan: draw it in a control draw.")
                % {"plan": plan.code}
            )
        strata = list(plan.strata.all())
        if not strata:
            errors["plans"].append(
                _("Plan %(plan)s has no stratum with a ratio: nothing would be drawn.")
                % {"plan": plan.code}
            )
        for row in strata:
            if not Decimal(0) <= row.ratio <= Decimal(100):
                errors["plans"].append(
                    _(
                        "Plan %(plan)s, stratum %(stratum)s: the ratio %(ratio)s %% is outside "
                        "0–100 %%."
                    )
                    % {"plan": plan.code, "stratum": row.stratum, "ratio": row.ratio}
                )
            elif row.stratum == "A" and plan.kind == SamplingPlan.Kind.RANDOM and row.ratio < floor:
                errors["plans"].append(
                    _(
                        "Plan %(plan)s: class A has a floor of %(floor)s %% (classification "
                        "exempts no one from checks); the plan gives %(ratio)s %%."
                    )
                    % {"plan": plan.code, "floor": floor, "ratio": row.ratio}
                )
        if not plan.items.exists():
            errors["plans"].append(_("Plan %(plan)s has no inspection item.") % {"plan": plan.code})
    errors["plans"] += plans_capacity_problems(plans=plans, as_of=as_of)
    if not errors["plans"]:
        del errors["plans"]
    return errors


def draw_request_commit(
    *,
    actor: User,
    plans: Sequence[SamplingPlan],
    title: str,
    as_of: dt.date,
    outside_source: str,
    is_control: bool = False,
    redraw_of: Draw | None = None,
    reason: str = "",
    server_seed: str | None = None,
) -> DrawJob:
    """Ask for a draw of `plans` as of `as_of`: validate everything, then enqueue the commit
    job (module docstring).

    Rules: approved plans of one year, of the draw's kind (a control draw takes control plans
    only, a random draw no control plan), each with items and strata, ratios within 0–100 %,
    class A at least `rules.A_FLOOR_PERCENT` in a random plan, enough active inspectors
    (`plans_capacity_problems`, with the numbers), not a day in the future; a title and the
    outside randomness to come (its source: "the welfare lottery of 12 March", "dice rolled by
    the witnesses"); no commitment of one of the plans already waiting; a redraw names a draw
    not yet superseded nor revealed, and its reason. Raises `ValidationError` by field.
    `server_seed` is for the demo district and tests only (a given 64-hex value, so that their
    draws repeat); None, as every real caller passes, draws it with `secrets` in the job. Never
    exposed in a form or the API.
    Call with no transaction around (`job_enqueue`: `JobQueueUnavailable` when the queue is
    down, nothing kept).
    Side effects: the job row; audit event `inspections.draw_requested`; the wake-up.
    """
    plans = list(plans)
    errors = _plans_problems(plans=plans, as_of=as_of, is_control=is_control)
    title = (title or "").strip()
    outside_source = (outside_source or "").strip()
    reason = (reason or "").strip()
    if not title:
        errors["title"].append(_("Give the draw a title."))
    if not outside_source:
        errors["outside_source"].append(
            _(
                "Say which outside randomness will be mixed in (for example the next "
                "welfare-lottery draw, or dice rolled by the witnesses)."
            )
        )
    elif len(outside_source) > 300:
        errors["outside_source"].append(_("Describe the outside randomness in 300 characters."))
    if redraw_of is not None:
        if redraw_of.status == Status.SUPERSEDED:
            errors["redraw_of"].append(
                _("Draw %(number)s has been redrawn already.") % {"number": redraw_of.number}
            )
        elif redraw_of.revealed_at is not None:
            errors["redraw_of"].append(
                _("Draw %(number)s is revealed: its inspections are done; draw anew instead.")
                % {"number": redraw_of.number}
            )
        if not reason:
            errors["reason"].append(_("A redraw needs its reason; it is published with it."))
    if server_seed is not None and (
        len(server_seed) != 64 or any(c not in "0123456789abcdef" for c in server_seed)
    ):
        errors["server_seed"].append(_("A server seed is 64 lower-case hex digits."))
    if errors:
        raise ValidationError(dict(errors))
    with transaction.atomic():
        locked = list(SamplingPlan.objects.select_for_update().filter(pk__in=[p.pk for p in plans]))
        waiting = DrawJob.objects.filter(
            action=Action.COMMIT, status__in=UNFINISHED_JOB
        ).values_list("params", flat=True)
        ids = {p.pk for p in locked}
        for params in waiting:
            if ids & set(params.get("plans", [])) or (
                redraw_of is not None and params.get("redraw_of") == redraw_of.pk
            ):
                raise ValidationError(
                    {"plans": [_("A draw of one of these plans is being committed; wait for it.")]}
                )
        job = DrawJob.objects.create(
            action=Action.COMMIT,
            params={
                "plans": sorted(ids),
                "title": title,
                "as_of": as_of.isoformat(),
                "outside_source": outside_source,
                "is_control": bool(is_control),
                "redraw_of": redraw_of.pk if redraw_of is not None else None,
                "reason": reason,
                **({"server_seed": server_seed} if server_seed is not None else {}),
            },
            requested_by=actor,
        )
        audit_event_record(
            actor=_actor(actor),
            event_type=audit_events.DRAW_REQUESTED,
            target=job,
            extra={
                "action": Action.COMMIT,
                **{k: v for k, v in job.params.items() if k != "server_seed"},
            },
        )
        job_enqueue(job=job)
    return job


def _locked_draw(draw: Draw) -> Draw:
    return Draw.objects.select_for_update().get(pk=draw.pk)


def draw_record_outside(*, actor: User, draw: Draw, value: str, expected_version: int) -> Draw:
    """Record the outside randomness of a committed draw (once).

    Rules: the draw is committed and has no outside value yet ("a second outside value" is
    refused); the version read is the stored one (else `ConflictError`); the value is one line
    of at most 200 characters with no "|" or tab (it is joined into the seed's text).
    Side effects: the draw's outside value, who and when, status "outside"; audit event
    `inspections.draw_outside_recorded`.
    """
    value = (value or "").strip()
    with transaction.atomic():
        locked = _locked_draw(draw)
        if locked.version != expected_version:
            raise ConflictError(
                _("Someone changed this draw meanwhile; reload it and try again."),
                current_version=locked.version,
            )
        if locked.outside_value or locked.status != Status.COMMITTED:
            raise ValidationError(
                {
                    "value": [
                        _(
                            "Draw %(number)s has its outside value already (%(value)s); "
                            "it is recorded once and never changed."
                        )
                        % {"number": locked.number, "value": locked.outside_value or "-"}
                        if locked.outside_value
                        else _("Draw %(number)s is %(status)s: no outside value now.")
                        % {"number": locked.number, "status": locked.get_status_display()}
                    ]
                }
            )
        if not value:
            raise ValidationError({"value": [_("Enter the outside value as published.")]})
        if len(value) > OUTSIDE_MAX or any(c in value for c in FORBIDDEN_IN_OUTSIDE):
            raise ValidationError(
                {
                    "value": [
                        _(
                            "Enter the value on one line, at most %(n)d characters, without | "
                            "or tabs."
                        )
                        % {"n": OUTSIDE_MAX}
                    ]
                }
            )
        locked.outside_value = value
        locked.outside_recorded_at = timezone.now()
        locked.outside_recorded_by = _actor(actor)
        locked.status = Status.OUTSIDE
        locked.version += 1
        locked.save(
            update_fields=[
                "outside_value",
                "outside_recorded_at",
                "outside_recorded_by",
                "status",
                "version",
            ]
        )
        audit_event_record(
            actor=_actor(actor),
            event_type=audit_events.DRAW_OUTSIDE_RECORDED,
            target=locked,
            extra={"number": locked.number, "outside_value": value},
        )
    return locked


def draw_request_derive(*, actor: User, draw: Draw) -> DrawJob:
    """Ask for the derivation of a draw whose outside value is recorded (a job).

    Rules: refused before the outside value ("record the outside value first"), once derived,
    and while a derivation of it is waiting. Call with no transaction around.
    Side effects: the job row; audit event `inspections.draw_requested`; the wake-up.
    """
    with transaction.atomic():
        locked = _locked_draw(draw)
        if locked.status == Status.COMMITTED:
            raise ValidationError(
                _("Record the outside value of draw %(number)s first: the draw is made from it.")
                % {"number": locked.number}
            )
        if locked.status != Status.OUTSIDE:
            raise ValidationError(
                _("Draw %(number)s is %(status)s: it is made once.")
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        if DrawJob.objects.filter(
            draw=locked, action=Action.DERIVE, status__in=UNFINISHED_JOB
        ).exists():
            raise ValidationError(_("The draw is being made; wait for it."))
        job = DrawJob.objects.create(
            action=Action.DERIVE, params={}, draw=locked, requested_by=actor
        )
        audit_event_record(
            actor=_actor(actor),
            event_type=audit_events.DRAW_REQUESTED,
            target=job,
            extra={"action": Action.DERIVE, "draw": locked.number},
        )
        job_enqueue(job=job)
    return job


# --------------------------------------------------------------------------- the job


def draw_job_run(job_id: int) -> DrawJob | None:
    """Claim a draw job and run its action in one transaction, then finish it (done, or failed
    with the reason); returns the row, None when there is no such job.

    Rules (`credit_portal.jobs`): a finished job, or one under another worker's live lease, is
    left alone; a job claimed more than `MAX_ATTEMPTS` times fails; a `ValidationError`
    (inspectors short, a plan changed meanwhile, a stored file that does not match its hash)
    fails the job with its message and records `inspections.draw_failed`; near the task's time
    limit the job is handed back (its action rolled back) and continues in a fresh task.
    """
    lease = job_claim(model=DrawJob, job_id=job_id)
    if lease is None:
        return DrawJob.objects.filter(pk=job_id).first()
    job = lease.job
    if lease.exhausted:
        _fail(
            lease,
            _("The job was interrupted %(n)d times and has been stopped.")
            % {"n": job.attempts - 1},
        )
        return DrawJob.objects.filter(pk=job_id).first()
    try:
        with transaction.atomic():
            if job.action == Action.COMMIT:
                draw, counts = _commit(job)
            else:
                draw, counts = _derive(job)
            job_lease_renew(lease, position=1, draw=draw, counts=counts)
        job_finish(lease, status=DrawJob.Status.DONE, counts=counts, draw=draw)
    except JobLeaseLost:
        logger.warning("inspections.draw_job.superseded", extra={"job_id": job_id})
    except SoftTimeLimitExceeded:
        job_continue_later(lease)
    except ValidationError as exc:
        _fail(lease, " ".join(exc.messages))
    except Exception:
        logger.exception("inspections.draw_job.failed", extra={"job_id": job_id})
        _fail(lease, _("The job stopped because of an internal error; nothing of it was kept."))
    return DrawJob.objects.filter(pk=job_id).first()


def _fail(lease: Lease[DrawJob], message: str) -> None:
    job = lease.job
    with transaction.atomic():
        if job_finish(lease, status=DrawJob.Status.FAILED, message=message, error=message):
            audit_event_record(
                actor=None,
                event_type=audit_events.DRAW_FAILED,
                target=job,
                extra={"action": job.action, "message": message, "draw": job.draw_id},
            )


def _store(draw: Draw, name: str, data: bytes, *, public: bool) -> DrawFile:
    record = DrawFile(
        draw=draw,
        name=name,
        sha256=verify.sha256_hex(data),
        size=len(data),
        public_at_commit=public,
    )
    record.file.save(
        name + ".gz",
        ContentFile(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)),
        save=False,
    )
    record.save()
    return record


class _Spool:
    """A file's text written gzip-compressed to a temporary file as it is made, hashed and
    counted on the way (no copy of a large file in memory)."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryFile()  # noqa: SIM115 (closed once stored)
        self.gz = gzip.GzipFile(fileobj=self.tmp, mode="wb", compresslevel=GZIP_LEVEL, mtime=0)
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.gz.write(data)
        self.sha.update(data)
        self.size += len(data)

    def texts(self, texts: Iterable[str]) -> _Spool:
        """The file from pieces of its text (whole lines each)."""
        for text in texts:
            self.write(text.encode("utf-8"))
        self.gz.close()
        self.tmp.seek(0)
        return self

    @property
    def sha256(self) -> str:
        return self.sha.hexdigest()


def _store_spool(draw: Draw, name: str, spool: _Spool, *, public: bool) -> DrawFile:
    record = DrawFile(
        draw=draw, name=name, sha256=spool.sha256, size=spool.size, public_at_commit=public
    )
    record.file.save(name + ".gz", File(spool.tmp), save=False)
    spool.tmp.close()
    record.save()
    return record


def _file_lines(draw: Draw, name: str, *, expected: str) -> Iterator[str]:
    """The lines of a stored file, read as a stream; when the stream ends, its hash is checked
    against `expected` (the commitment) and a mismatch raises `ValidationError`."""
    record = draw.files.filter(name=name).first()
    if record is None:
        raise ValidationError(
            _("Draw %(number)s has no file %(name)s.") % {"number": draw.number, "name": name}
        )
    sha = hashlib.sha256()
    with record.file.open("rb") as handle, gzip.GzipFile(fileobj=handle, mode="rb") as text:
        for line in text:
            sha.update(line)
            yield line[:-1].decode("utf-8")
    digest = sha.hexdigest()
    if digest != expected or digest != record.sha256:
        _tampered(draw, name, digest)


def _tampered(draw: Draw, name: str, digest: str) -> None:
    logger.error(
        "inspections.draw.file_tampered",
        extra={"draw": draw.number, "file": name, "sha256": digest},
    )
    raise ValidationError(
        _(
            "The stored file %(name)s of draw %(number)s does not match its commitment "
            "(sha256 %(digest)s): the draw is not made; tell the administrator."
        )
        % {"name": name, "number": draw.number, "digest": digest}
    )


def draw_file_text(*, file: DrawFile) -> bytes:
    """A draw file's text (uncompressed)."""
    with file.file.open("rb") as handle:
        return gzip.decompress(handle.read())


def _chain_lock() -> None:
    """One commitment at a time links to the chain (PostgreSQL: an advisory lock to the end of
    the transaction; SQLite writes one transaction at a time anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(CHAIN_LOCK))


def _next_number(year: int) -> str:
    prefix = f"DRAW-{year}-"
    last = (
        Draw.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:04d}"


def _cancel_unstarted(old: Draw, actor: User | None) -> int:
    """A redraw cancels the old draw's inspections not yet started (assigned, nothing
    recorded); those started go on."""
    unstarted = list(
        Inspection.objects.select_for_update().filter(draw=old, status=Inspection.Status.ASSIGNED)
    )
    for inspection in unstarted:
        audit_event_record(
            actor=actor,
            event_type=audit_events.INSPECTION_CANCELLED,
            target=inspection,
            enterprise=inspection.enterprise,
            extra={"draw": old.number, "reason": "redraw"},
        )
    Inspection.objects.filter(pk__in=[i.pk for i in unstarted]).update(
        status=Inspection.Status.CANCELLED
    )
    return len(unstarted)


def _roster(plans: Sequence[SamplingPlan], frozen: FrozenPools, as_of: dt.date) -> list[str]:
    """The lines of `roster.tsv` (`verify.roster_lines`): recusals and previous inspectors of
    the firms in a pool (of any plan of the draw)."""
    departments = {d.pk: d.code for p in plans for d in p.departments.all()}
    inspectors = list(
        Inspector.objects.filter(is_active=True, department_id__in=departments).prefetch_related(
            "skills"
        )
    )
    ids = {i.pk for i in inspectors}
    recusal_rows = list(
        Recusal.objects.filter(
            inspector_id__in=ids, valid_from__lte=as_of, ended_on__isnull=True
        ).values_list("inspector_id", "enterprise_id")
    )
    recusal_rows += list(
        Recusal.objects.filter(
            inspector_id__in=ids, valid_from__lte=as_of, ended_on__gt=as_of
        ).values_list("inspector_id", "enterprise_id")
    )
    firms = sorted({e for _i, e in recusal_rows}) or [0]
    pooled = frozen.pooled(", ".join(["%s"] * len(firms)), firms)
    recusals = [(staff_id(i), pooled[e]) for i, e in recusal_rows if e in pooled]
    previous = _previous_inspectors(frozen, ids)
    lines = verify.roster_lines(
        inspectors=[
            (staff_id(i.pk), departments[i.department_id], [s.code for s in i.skills.all()])
            for i in inspectors
        ],
        recusals=recusals,
        previous=previous,
    )
    return lines


def _previous_inspectors(frozen: FrozenPools, roster: set[int]) -> list[tuple[str, str]]:
    """(uscc, staff id) of the inspectors of each pooled firm's last inspection (the latest
    not cancelled that has inspectors) that are on the roster: rotation (not last time's
    inspector of that firm). One statement (the last inspection per firm, its assignments),
    and which of those firms are in a pool."""
    inspection = connection.ops.quote_name(Inspection._meta.db_table)
    assignment = connection.ops.quote_name(InspectionAssignment._meta.db_table)
    sql = (
        f"SELECT last.enterprise_id, a.inspector_id FROM {assignment} a JOIN ("  # noqa: S608
        f"SELECT i.enterprise_id, max(i.id) AS id FROM {inspection} i "
        f"WHERE i.status <> %s AND EXISTS (SELECT 1 FROM {assignment} x "
        "WHERE x.inspection_id = i.id) GROUP BY i.enterprise_id) last "
        "ON a.inspection_id = last.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Inspection.Status.CANCELLED.value])
        rows = cursor.fetchall()
    if not rows:
        return []
    pooled = frozen.pooled(
        f"SELECT enterprise_id FROM {inspection} WHERE status <> %s",  # noqa: S608
        [Inspection.Status.CANCELLED.value],
    )
    return [
        (pooled[enterprise_id], staff_id(inspector_id))
        for enterprise_id, inspector_id in rows
        if enterprise_id in pooled and inspector_id in roster
    ]


def _labels(plans: Sequence[SamplingPlan]) -> dict[tuple[str, str], str]:
    """The public label of each plan's strata (`inspections.verify`: strata are classes, which
    are internal): S1, S2, ... per plan, in an order drawn with `secrets`."""
    shuffle = secrets.SystemRandom().shuffle
    labels: dict[tuple[str, str], str] = {}
    for plan in plans:
        strata = sorted(s.stratum for s in plan.strata.all())
        shuffle(strata)
        for n, stratum in enumerate(strata, start=1):
            labels[(plan.code, stratum)] = f"S{n}"
    return labels


def _plan_spec(
    plan: SamplingPlan, counts: list[StratumCount], labels: dict[tuple[str, str], str]
) -> dict[str, Any]:
    departments = sorted(d.code for d in plan.departments.all())
    skills = sorted(
        {i.required_skill.code for i in plan.items.all() if i.required_skill is not None}
    )
    return {
        "code": plan.code,
        "name": plan.name,
        "kind": plan.kind,
        "year": plan.year,
        "lead": plan.lead_department.code,
        "departments": departments,
        "min_inspectors": max(plan.min_inspectors, rules.MIN_INSPECTORS),
        "skills": skills,
        "items": sorted(i.code for i in plan.items.all()),
        "scope": {
            "industries": sorted(str(v) for v in plan.industries or ()),
            "streets": sorted(str(v) for v in plan.streets or ()),
            "entity_types": sorted(str(v) for v in plan.entity_types or ()),
        },
        # Public: the label, the pool and the target; no class, no ratio.
        "strata": sorted(
            (
                {"label": labels[(plan.code, s.stratum)], "pool": s.pool, "target": s.target}
                for s in counts
            ),
            key=lambda s: s["label"],
        ),
    }


def _commit(job: DrawJob) -> tuple[Draw, dict[str, Any]]:
    """The commitment (module docstring), inside the job's transaction."""
    if job.draw is not None:  # committed by an earlier run
        return job.draw, job.counts
    params = job.params
    as_of = dt.date.fromisoformat(params["as_of"])
    plans = list(
        SamplingPlan.objects.select_for_update()
        .filter(pk__in=params["plans"])
        .select_related("lead_department")
        .order_by("code")
    )
    if len(plans) != len(params["plans"]):
        raise ValidationError(_("A plan of this draw no longer exists."))
    errors = _plans_problems(plans=plans, as_of=as_of, is_control=params["is_control"])
    if errors:
        raise ValidationError([m for messages in errors.values() for m in messages])
    actor = job.requested_by
    old = None
    cancelled = 0
    if params.get("redraw_of"):
        old = Draw.objects.select_for_update().get(pk=params["redraw_of"])
        if old.status == Status.SUPERSEDED or old.revealed_at is not None:
            raise ValidationError(
                _("Draw %(number)s was redrawn or revealed meanwhile.") % {"number": old.number}
            )
        cancelled = _cancel_unstarted(old, actor)
        Draw.objects.filter(pk=old.pk).update(status=Status.SUPERSEDED, version=old.version + 1)
    # After the redraw's cancellations (they change who was inspected under a plan).
    problems = plans_capacity_problems(plans=plans, as_of=as_of)
    if problems:
        raise ValidationError(problems)
    labels = _labels(plans)
    if connection.vendor == "postgresql":
        # The pools' sorts and joins in memory, for this transaction only.
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{COMMIT_WORK_MEM}'")
    with frozen_pools(plans=plans, as_of=as_of, labels=labels) as frozen:
        return _commit_frozen(job, plans, frozen, labels, old, cancelled)


def _commit_frozen(
    job: DrawJob,
    plans: list[SamplingPlan],
    frozen: FrozenPools,
    labels: dict[tuple[str, str], str],
    old: Draw | None,
    cancelled: int,
) -> tuple[Draw, dict[str, Any]]:
    """The commitment's files and rows from the frozen pools (`_commit`)."""
    params = job.params
    actor = job.requested_by
    as_of = frozen.as_of
    by_id = frozen.counts()
    counts_of = {p.code: by_id[p.pk] for p in plans}
    strata_bytes = verify.text_bytes(
        verify.strata_lines(
            (code, labels[(code, c.stratum)], c.stratum, verify.ratio_text(c.ratio))
            for code, counts in counts_of.items()
            for c in counts
        )
    )
    # pool.tsv and exclusions.tsv joined by the database in their published order (bytewise:
    # TAB sorts before every character of a code, so this is the order of the lines).
    pool_spool = _Spool().texts(frozen.pool_text())
    exclusion_spool = _Spool().texts(frozen.exclusions_text())
    roster_lines = _roster(plans, frozen, as_of)
    roster_bytes = verify.text_bytes(roster_lines)
    roster = verify.roster_parse(roster_lines)
    specs = [_plan_spec(p, counts_of[p.code], labels) for p in plans]
    slack = int(rules.LOAD_SLACK_PERCENT)
    cap = verify.load_cap(
        plans=[verify.PlanSpec.from_manifest(s) for s in specs], roster=roster, slack_percent=slack
    )
    server_seed = params.get("server_seed") or secrets.token_hex(32)
    now = timezone.now()
    _chain_lock()
    previous = (
        Draw.objects.order_by("-committed_at", "-pk")
        .values_list("commitment_hash", flat=True)
        .first()
    )
    year = plans[0].year
    number = _next_number(year)
    manifest: dict[str, Any] = {
        "algorithm": verify.ALGORITHM,
        "number": number,
        "title": params["title"],
        "is_control": bool(params["is_control"]),
        "previous_hash": previous or "",
        "as_of": as_of.isoformat(),
        "committed_at": now.isoformat(timespec="seconds"),
        "outside_source": params["outside_source"],
        "seed_hash": verify.seed_hash(server_seed),
        "pool_hash": pool_spool.sha256,
        "roster_hash": verify.sha256_hex(roster_bytes),
        "exclusions_hash": exclusion_spool.sha256,
        "strata_hash": verify.sha256_hex(strata_bytes),
        "plans": specs,
        "load_slack_percent": slack,
        "load_cap": cap,
        "redraw_of": old.number if old is not None else "",
        "redraw_reason": params.get("reason", "") if old is not None else "",
    }
    manifest_bytes = verify.canonical_json(manifest)
    draw = Draw.objects.create(
        number=number,
        title=params["title"],
        year=year,
        is_control=bool(params["is_control"]),
        algorithm=verify.ALGORITHM,
        as_of=as_of,
        manifest=manifest,
        commitment_hash=verify.sha256_hex(manifest_bytes),
        previous_hash=previous or "",
        pool_hash=manifest["pool_hash"],
        roster_hash=manifest["roster_hash"],
        seed_hash=manifest["seed_hash"],
        server_seed=server_seed,
        outside_source=params["outside_source"],
        redraw_of=old,
        redraw_reason=manifest["redraw_reason"],
        committed_by=actor,
        committed_at=now,
    )
    draw.plans.set(plans)
    _store(draw, "manifest.json", manifest_bytes, public=True)
    _store_spool(draw, "pool.tsv", pool_spool, public=True)
    _store(draw, "roster.tsv", roster_bytes, public=False)
    _store_spool(draw, "exclusions.tsv", exclusion_spool, public=False)
    _store(draw, "strata.tsv", strata_bytes, public=False)
    DrawStratum.objects.bulk_create(
        [
            DrawStratum(
                draw=draw,
                plan=p,
                stratum=c.stratum,
                pool_size=c.pool,
                excluded=c.excluded,
                ratio=Decimal(c.ratio),
                target=c.target,
            )
            for p in plans
            for c in counts_of[p.code]
        ]
    )
    excluded = frozen.exclusions_insert(draw_id=draw.pk)
    counts = {
        "pool": sum(s["pool"] for spec in specs for s in spec["strata"]),
        "target": sum(s["target"] for spec in specs for s in spec["strata"]),
        "excluded": excluded,
        "inspectors": len(roster.inspectors),
        "cancelled": cancelled,
    }
    audit_event_record(
        actor=actor,
        event_type=audit_events.DRAW_COMMITTED,
        target=draw,
        extra={
            "number": number,
            "commitment_hash": draw.commitment_hash,
            "previous_hash": draw.previous_hash,
            "plans": [p.code for p in plans],
            **counts,
        },
    )
    if old is not None:
        audit_event_record(
            actor=actor,
            event_type=audit_events.DRAW_SUPERSEDED,
            target=old,
            extra={"by": number, "reason": draw.redraw_reason, "cancelled": cancelled},
        )
    return draw, counts


def _file_bytes(draw: Draw, name: str, *, expected: str | None = None) -> bytes:
    record = draw.files.filter(name=name).first()
    if record is None:
        raise ValidationError(
            _("Draw %(number)s has no file %(name)s.") % {"number": draw.number, "name": name}
        )
    data = draw_file_text(file=record)
    digest = verify.sha256_hex(data)
    if digest != record.sha256 or (expected is not None and digest != expected):
        _tampered(draw, name, digest)
    return data


def _derive(job: DrawJob) -> tuple[Draw, dict[str, Any]]:
    """The derivation (module docstring), inside the job's transaction."""
    if job.draw_id is None:
        raise ValidationError(_("A derivation names its draw."))
    draw = Draw.objects.select_for_update().get(pk=job.draw_id)
    if draw.status in (Status.DERIVED, Status.REVEALED) or draw.selection_hash:
        return draw, job.counts
    if draw.status != Status.OUTSIDE:
        raise ValidationError(
            _("Draw %(number)s is %(status)s: it cannot be made now.")
            % {"number": draw.number, "status": draw.get_status_display()}
        )
    manifest = draw.manifest
    if verify.sha256_hex(verify.canonical_json(manifest)) != draw.commitment_hash:
        raise ValidationError(_("The stored manifest does not match its commitment hash."))
    roster_bytes = _file_bytes(draw, "roster.tsv", expected=draw.roster_hash)
    seed = verify.derive_seed(
        number=draw.number,
        pool_hash=draw.pool_hash,
        roster_hash=draw.roster_hash,
        outside_value=draw.outside_value,
        server_seed=draw.server_seed,
    )
    specs = [verify.PlanSpec.from_manifest(p) for p in manifest["plans"]]
    targets = {(p.code, s[0]): s[2] for p in specs for s in p.strata}
    strata_bytes = _file_bytes(draw, "strata.tsv", expected=manifest["strata_hash"])
    stratum_of_label = {
        key: stratum
        for key, (stratum, _ratio) in verify.strata_parse(
            strata_bytes.decode("utf-8").split("\n")[:-1]
        ).items()
    }
    # The committed pool.tsv itself, streamed (its hash checked at its end).
    selection, _sizes = verify.select(
        seed=seed,
        groups=verify.pool_groups(_file_lines(draw, "pool.tsv", expected=draw.pool_hash)),
        targets=targets,
    )
    roster = verify.roster_parse(roster_bytes.decode("utf-8").split("\n")[:-1])
    visits = verify.assign(
        seed=seed, plans=specs, selection=selection, roster=roster, cap=int(manifest["load_cap"])
    )
    selection_bytes = verify.text_bytes(verify.selection_lines(selection))
    assignment_bytes = verify.text_bytes(verify.assignment_lines(visits))
    digest = verify.selection_hash(selection_bytes, assignment_bytes)
    reveal = {
        "number": draw.number,
        "commitment_hash": draw.commitment_hash,
        "server_seed": draw.server_seed,
        "outside_value": draw.outside_value,
        "selection_hash": digest,
    }
    _store(draw, "reveal.json", verify.canonical_json(reveal), public=False)
    _store(draw, "selection.tsv", selection_bytes, public=False)
    _store(draw, "assignment.tsv", assignment_bytes, public=False)

    plans = {p.code: p for p in draw.plans.select_related("lead_department")}
    enterprise_ids = _enterprise_ids({s.uscc for s in selection})
    insert_rows(
        Selection,
        ["draw_id", "plan_id", "enterprise_id", "stratum", "ticket", "rank"],
        [
            (
                draw.pk,
                plans[s.plan].pk,
                enterprise_ids[s.uscc],
                stratum_of_label[(s.plan, s.stratum)],
                s.ticket,
                s.rank,
            )
            for s in selection
        ],
    )
    selected: dict[tuple[str, str], int] = defaultdict(int)
    stratum_of: dict[tuple[str, str], str] = {}
    for s in selection:
        real = stratum_of_label[(s.plan, s.stratum)]  # the label's class (internal)
        selected[(s.plan, real)] += 1
        stratum_of[(s.plan, s.uscc)] = real
    for row in DrawStratum.objects.filter(draw=draw).select_related("plan"):
        count = selected.get((row.plan.code, row.stratum), 0)
        if count != row.selected:
            DrawStratum.objects.filter(pk=row.pk).update(selected=count)
    origin = Inspection.Origin.CONTROL if draw.is_control else Inspection.Origin.RANDOM
    insert_rows(
        Inspection,
        ["enterprise_id", "origin", "status", "draw_id", "department_id", "stratum", "due_by"],
        [
            (
                enterprise_ids[v.uscc],
                origin,
                Inspection.Status.ASSIGNED,
                draw.pk,
                plans[v.plans[0]].lead_department_id,
                stratum_of[(v.plans[0], v.uscc)],
                max(plans[c].ends_on for c in v.plans),
            )
            for v in visits
        ],
    )
    inspection_ids = dict(Inspection.objects.filter(draw=draw).values_list("enterprise_id", "id"))
    items: dict[int, list[int]] = defaultdict(list)
    for plan_id, item_id in SamplingPlan.items.through.objects.filter(
        samplingplan_id__in=[p.pk for p in plans.values()]
    ).values_list("samplingplan_id", "inspectionitem_id"):
        items[plan_id].append(item_id)
    checks: list[tuple[int, int, int, str]] = []
    assignments: list[tuple[int, int, int]] = []
    for v in visits:
        inspection_id = inspection_ids[enterprise_ids[v.uscc]]
        seen: set[int] = set()
        for code in v.plans:
            for item_id in sorted(items[plans[code].pk]):
                if item_id not in seen:
                    seen.add(item_id)
                    checks.append(
                        (inspection_id, item_id, plans[code].pk, InspectionCheck.Result.PENDING)
                    )
        for position, staff in enumerate(v.inspectors, start=1):
            assignments.append((inspection_id, int(staff), position))
    insert_rows(InspectionCheck, ["inspection_id", "item_id", "plan_id", "result"], checks)
    insert_rows(InspectionAssignment, ["inspection_id", "inspector_id", "position"], assignments)
    now = timezone.now()
    short = [v.uscc for v in visits if v.short]
    Draw.objects.filter(pk=draw.pk).update(
        status=Status.DERIVED, selection_hash=digest, derived_at=now, version=draw.version + 1
    )
    draw.refresh_from_db()
    counts = {
        "selected": len(selection),
        "visits": len(visits),
        "joint": sum(1 for v in visits if len(v.plans) > 1),
        "assignments": len(assignments),
        "checks": len(checks),
        "short": len(short),
    }
    audit_event_record(
        actor=job.requested_by,
        event_type=audit_events.DRAW_DERIVED,
        target=draw,
        extra={
            "number": draw.number,
            "selection_hash": digest,
            **counts,
            "short_firms": short[:50],
        },
    )
    if short:
        logger.warning("inspections.draw.short", extra={"draw": draw.number, "firms": len(short)})
    return draw, counts


def _enterprise_ids(usccs: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(usccs)
    for start in range(0, len(ordered), 5000):
        found.update(
            Enterprise.objects.filter(uscc__in=ordered[start : start + 5000]).values_list(
                "uscc", "id"
            )
        )
    return found


# --------------------------------------------------------------------------- reveal


def _stored_files(draw: Draw) -> dict[str, bytes]:
    return {f.name: draw_file_text(file=f) for f in draw.files.all()}


def draw_verify(*, draw: Draw) -> VerifyReport:
    """Run the verifier (`inspections.verify`) over the draw's stored files and compare with
    what the draw row committed to (commitment hash, selection hash)."""
    report = verify.verify_files(_stored_files(draw))
    lines = list(report.lines)
    ok = report.ok
    if report.commitment_hash and report.commitment_hash != draw.commitment_hash:
        ok = False
        lines.append(
            "MISMATCH "
            + _("the files' commitment hash %(files)s, the draw committed to %(draw)s")
            % {"files": report.commitment_hash, "draw": draw.commitment_hash}
        )
    if (
        draw.selection_hash
        and report.selection_hash
        and report.selection_hash != draw.selection_hash
    ):
        ok = False
        lines.append(
            "MISMATCH "
            + _("the files' selection hash %(files)s, the draw published %(draw)s")
            % {"files": report.selection_hash, "draw": draw.selection_hash}
        )
    if ok and lines and lines[-1] != "OK":
        lines = [line for line in lines if line != "OK"] + ["OK"]
    if not ok:
        lines = [line for line in lines if line != "OK"]
    return VerifyReport(ok=ok, lines=lines)


def _pending_inspections(draw: Draw) -> int:
    return Inspection.objects.filter(draw=draw).exclude(status__in=DONE_INSPECTION).count()


def _reveal(draw: Draw, actor: User | None) -> Draw:
    """Reveal a locked draw (checks done by the callers)."""
    report = draw_verify(draw=draw)
    if not report.ok:
        logger.error(
            "inspections.draw.reveal_mismatch",
            extra={
                "draw": draw.number,
                "lines": [x for x in report.lines if x.startswith("MISMATCH")],
            },
        )
        raise ValidationError(
            _(
                "Draw %(number)s is NOT revealed: its stored files do not reproduce its "
                "commitment (%(problem)s). Nothing was published; tell the administrator."
            )
            % {
                "number": draw.number,
                "problem": next((x for x in report.lines if x.startswith("MISMATCH")), "?"),
            }
        )
    now = timezone.now()
    status = Status.SUPERSEDED if draw.status == Status.SUPERSEDED else Status.REVEALED
    Draw.objects.filter(pk=draw.pk).update(
        status=status, revealed_at=now, revealed_by=actor, version=draw.version + 1
    )
    audit_event_record(
        actor=actor,
        event_type=audit_events.DRAW_REVEALED,
        target=draw,
        extra={"number": draw.number, "selection_hash": draw.selection_hash},
    )
    draw.refresh_from_db()
    return draw


def draw_reveal(*, actor: User, draw: Draw) -> Draw:
    """Publish a derived draw's seed, roster, exclusions, selection and assignment.

    Rules: the draw is derived (a superseded draw that was derived may be revealed too) and
    not revealed yet; every inspection of it is published or cancelled ("private until
    inspected": nobody can warn a firm); the verifier run over the stored files reproduces
    the commitment and the selection hash, or the reveal is refused loudly (logged as an
    error; nothing published).
    Side effects: the draw's status, revealed at/by; audit event `inspections.draw_revealed`.
    """
    with transaction.atomic():
        locked = _locked_draw(draw)
        if locked.revealed_at is not None:
            raise ValidationError(
                _("Draw %(number)s is revealed already.") % {"number": locked.number}
            )
        if not locked.selection_hash:
            raise ValidationError(
                _("Draw %(number)s is not made yet: there is nothing to reveal.")
                % {"number": locked.number}
            )
        pending = _pending_inspections(locked)
        if pending:
            raise ValidationError(
                _(
                    "Draw %(number)s stays private while %(n)d of its inspections are neither "
                    "published nor cancelled."
                )
                % {"number": locked.number, "n": pending}
            )
        return _reveal(locked, _actor(actor))


def draws_reveal_due(*, on: dt.date) -> int:
    """Reveal every derived draw whose inspections are all published or cancelled (the daily
    job `inspections.reveal`); returns how many. A draw whose files do not match is left
    unrevealed and logged as an error (the others go on). Idempotent."""
    revealed = 0
    candidates = Draw.objects.filter(revealed_at__isnull=True).exclude(selection_hash="")
    for draw_id in candidates.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                locked = Draw.objects.select_for_update().get(pk=draw_id)
                if locked.revealed_at is not None or _pending_inspections(locked):
                    continue
                _reveal(locked, None)
                revealed += 1
        except ValidationError:
            logger.exception("inspections.draw.reveal_refused", extra={"draw_id": draw_id})
    return revealed


def draw_files_public(*, draw: Draw) -> list[DrawFile]:
    """The files of a draw the public may download now: the commitment's at once (manifest,
    pool), every file once revealed, except `strata.tsv` (labels to classes: internal, for
    staff who see classes and oversight only)."""
    files: QuerySet[DrawFile] = draw.files.exclude(name__in=verify.PRIVATE_FILES).order_by("name")
    if draw.revealed_at is None:
        files = files.filter(public_at_commit=True)
    return list(files)


def draw_file_names() -> tuple[str, ...]:
    return verify.FILE_NAMES


__all__ = [
    "VerifyReport",
    "draw_file_text",
    "draw_files_public",
    "draw_job_run",
    "draw_record_outside",
    "draw_request_commit",
    "draw_request_derive",
    "draw_reveal",
    "draw_verify",
    "draws_reveal_due",
    "staff_id",
]

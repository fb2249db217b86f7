"""The draw's verifier: recompute a published draw from its files (algorithm ``draw/v1``).

Standard library only: no Django, no third-party package, so that anyone with Python 3.11 or
later can run it on the files of a revealed draw, downloaded from its public page:

    python -m inspections.verify DIRECTORY            # or: python verify.py DIRECTORY
    python -m inspections.verify manifest.json pool.tsv roster.tsv exclusions.tsv \\
        reveal.json selection.tsv assignment.tsv

It prints what it recomputed (the commitment hash, each file's hash, each stratum's pool and
target, the seed, the selection hash) and ``OK``, or the first line that differs; the exit
status is 0 when everything matches, 1 when something differs, 2 when a file is missing or
unreadable. Files may be given gzip-compressed (``name.gz``): hashes are of the text.

The production code calls the functions below (the commitment, the derivation and the check at
the reveal), so the portal and this verifier cannot drift apart. Test vectors:
``inspections/verify_vectors/v1/``.

The rules (docs/architecture.md "Inspections", the draw; issue 17 §3):

- Files: UTF-8, LF line ends, one record per line, TAB-separated.
  Strata are named in the public files by opaque labels, per plan ``S1``, ``S2``, ... in an
  order drawn at random at the commitment, because a stratum is a risk class and classes are
  internal (docs/domain.md §1); the private ``strata.tsv`` (``plan  label  stratum  ratio``,
  sorted) maps them, and its hash is committed in the manifest (``strata_hash``). To the
  draw a label is just the name of a stratum.
  ``pool.tsv``: ``plan  label  uscc``, sorted by plan, label, uscc.
  ``roster.tsv``: ``I  staff_id  department  skills`` (skills comma-joined and sorted, or ``-``),
  ``P  uscc  staff_id`` (the firm's previous inspectors), ``R  staff_id  uscc`` (recusals);
  the whole file sorted (so the groups come I, P, R).
  ``exclusions.tsv``: ``plan  uscc  rule  until`` (``-`` for no end), sorted.
  ``selection.tsv``: ``plan  label  rank  uscc  ticket``, by plan, label and rank.
  ``assignment.tsv``: ``uscc  staff_id,staff_id,...``, one line per visit, in visit order.
  ``manifest.json``: canonical JSON (sorted keys, no spaces, UTF-8); its SHA-256 is the
  draw's commitment hash, which the next draw names as ``previous_hash``.
  ``reveal.json``: the server seed (hex) and the outside value.
- ``seed_hash = SHA-256(server seed hex, ASCII)``, published in the manifest at the commitment.
- ``seed = SHA-256("draw/v1|" + number + "|" + pool_hash + "|" + roster_hash + "|" +
  outside_value + "|" + server_seed)`` (32 bytes, the HMAC key).
- Each firm of a stratum's pool gets ``ticket = HMAC-SHA256(seed, plan + "|" + label + "|" +
  uscc)`` (hex); the stratum's ``target`` lowest tickets are drawn (ties, never seen, by uscc),
  ranked 1, 2, ... ``target = ceil(pool × ratio / 100)`` (ratio in percent, two decimals;
  checked when ``strata.tsv`` is given: oversight, not the public).
- A firm drawn by several plans of the draw is one visit (joint visit: "one entry, many
  items"); visits are taken in the order of their smallest ticket.
- Inspectors: each plan's roster (the inspectors of its departments) is ranked once by
  ``HMAC-SHA256(seed, "inspector|" + plan + "|" + staff_id)``; a joint visit's candidates are
  the union of its plans' rankings, by their best position (then staff id). For each visit,
  in this order, an inspector is eligible unless recused for the firm, one of its previous
  inspectors (rotation), or at the load cap. The visit takes first the first eligible
  candidate of each of its departments (departments in the order their first candidate
  appears), then, for each required skill of its plans not yet held (skills sorted), the first
  eligible candidate with it, then the first eligible candidates until it has
  ``max(min_inspectors)`` of its plans. If it is still short, the load cap is lifted, then
  rotation; a recusal never is.
- Load cap: for each department, its even share is the sum, over the plans it takes part in,
  of ``target × inspectors needed per visit / inspectors of the plan``; the cap is
  ``ceil(largest share × load_slack_percent / 100) + 1`` (both in the manifest).
- ``selection_hash = SHA-256(sha256(selection.tsv) + "|" + sha256(assignment.tsv))``, public
  from the derivation, before the files are revealed.
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import io
import json
import math
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

ALGORITHM = "draw/v1"
NONE = "-"  # an empty cell (no skills, no end date)
FILE_NAMES = (
    "manifest.json",
    "pool.tsv",
    "roster.tsv",
    "exclusions.tsv",
    "reveal.json",
    "selection.tsv",
    "assignment.tsv",
    "strata.tsv",
)
COMMITMENT_FILES = ("manifest.json", "pool.tsv")  # public from the commitment
PRIVATE_FILES = ("strata.tsv",)  # never public: labels to classes (internal)


# --------------------------------------------------------------------------- hashing


def canonical_json(value: Any) -> bytes:
    """The canonical bytes of a JSON value: sorted keys, no spaces, UTF-8 (not ASCII-escaped)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_bytes(lines: Iterable[str]) -> bytes:
    """A file's bytes from its lines: UTF-8, each line ended by LF."""
    return "".join(line + "\n" for line in lines).encode("utf-8")


def seed_hash(server_seed: str) -> str:
    """The commitment to the server seed: SHA-256 of its hex text."""
    return sha256_hex(server_seed.encode("ascii"))


def derive_seed(
    *, number: str, pool_hash: str, roster_hash: str, outside_value: str, server_seed: str
) -> bytes:
    """The draw's seed (the HMAC key of every ticket and ranking)."""
    text = "|".join([ALGORITHM, number, pool_hash, roster_hash, outside_value, server_seed])
    return hashlib.sha256(text.encode("utf-8")).digest()


class Keyed:
    """HMAC-SHA256 under one key, its inner and outer states computed once and copied per
    message (RFC 2104; the same value as ``hmac.new(key, msg, "sha256")``, about twice as
    fast for millions of short messages)."""

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def hexdigest(self, message: str) -> str:
        inner = self._inner.copy()
        inner.update(message.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


def selection_hash(selection_bytes: bytes, assignment_bytes: bytes) -> str:
    return sha256_hex(
        f"{sha256_hex(selection_bytes)}|{sha256_hex(assignment_bytes)}".encode("ascii")
    )


# --------------------------------------------------------------------------- numbers


def ratio_hundredths(ratio: str) -> int:
    """A ratio in percent with at most two decimals ("5", "0.50", "12.25") in hundredths of a
    percent, exactly (no float)."""
    text = str(ratio).strip()
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()) or len(frac.rstrip("0")) > 2:
        raise ValueError(f"not a ratio with two decimals: {ratio!r}")
    return int(whole) * 100 + int((frac + "00")[:2])


def stratum_target(pool: int, ratio: str) -> int:
    """How many firms a stratum draws: ``ceil(pool × ratio / 100)``, at most the pool."""
    hundredths = ratio_hundredths(ratio)
    return min(pool, -(-pool * hundredths // 10000))


def ratio_text(ratio: Any) -> str:
    """The manifest's text of a ratio: two decimals."""
    hundredths = ratio_hundredths(str(ratio))
    return f"{hundredths // 100}.{hundredths % 100:02d}"


# --------------------------------------------------------------------------- plans and roster


@dataclass(frozen=True)
class PlanSpec:
    """A plan as the manifest states it."""

    code: str
    lead: str
    departments: tuple[str, ...]
    min_inspectors: int
    skills: tuple[str, ...]
    strata: tuple[tuple[str, int, int], ...]  # (label, pool, target)

    @property
    def needed(self) -> int:
        """Inspectors per visit of this plan alone: its minimum, and one per department."""
        return max(self.min_inspectors, len(self.departments))

    @classmethod
    def from_manifest(cls, data: dict[str, Any]) -> PlanSpec:
        return cls(
            code=str(data["code"]),
            lead=str(data["lead"]),
            departments=tuple(str(d) for d in data["departments"]),
            min_inspectors=int(data["min_inspectors"]),
            skills=tuple(str(s) for s in data["skills"]),
            strata=tuple(
                (str(s["label"]), int(s["pool"]), int(s["target"])) for s in data["strata"]
            ),
        )


@dataclass
class Roster:
    """The frozen roster: inspectors (department, skills), recusals, previous inspectors."""

    inspectors: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    recusals: dict[str, set[str]] = field(default_factory=dict)  # uscc -> staff ids
    previous: dict[str, set[str]] = field(default_factory=dict)  # uscc -> staff ids


def roster_lines(
    *,
    inspectors: Iterable[tuple[str, str, Iterable[str]]],
    recusals: Iterable[tuple[str, str]],
    previous: Iterable[tuple[str, str]],
) -> list[str]:
    """The lines of ``roster.tsv``: inspectors (staff id, department, skills), recusals
    (staff id, uscc) and previous inspectors (uscc, staff id), the whole file sorted."""
    lines = [
        f"I\t{staff}\t{department}\t{','.join(sorted(skills)) or NONE}"
        for staff, department, skills in inspectors
    ]
    lines += [f"R\t{staff}\t{uscc}" for staff, uscc in set(recusals)]
    lines += [f"P\t{uscc}\t{staff}" for uscc, staff in set(previous)]
    lines.sort()
    return lines


def roster_parse(lines: Iterable[str]) -> Roster:
    roster = Roster()
    for number, line in enumerate(lines, start=1):
        cells = line.split("\t")
        if cells[0] == "I" and len(cells) == 4:
            skills = frozenset() if cells[3] == NONE else frozenset(cells[3].split(","))
            roster.inspectors[cells[1]] = (cells[2], skills)
        elif cells[0] == "R" and len(cells) == 3:
            roster.recusals.setdefault(cells[2], set()).add(cells[1])
        elif cells[0] == "P" and len(cells) == 3:
            roster.previous.setdefault(cells[1], set()).add(cells[2])
        else:
            raise ValueError(f"roster.tsv line {number}: not a roster record: {line!r}")
    return roster


def load_cap(*, plans: Sequence[PlanSpec], roster: Roster, slack_percent: int) -> int:
    """The most visits one inspector takes in the draw (module docstring)."""
    by_department: dict[str, int] = {}
    for department, _skills in roster.inspectors.values():
        by_department[department] = by_department.get(department, 0) + 1
    share: dict[str, Fraction] = {}
    for plan in plans:
        size = sum(by_department.get(d, 0) for d in set(plan.departments))
        target = sum(s[2] for s in plan.strata)
        if size == 0 or target == 0:
            continue
        for department in set(plan.departments):
            share[department] = share.get(department, Fraction(0)) + Fraction(
                target * plan.needed, size
            )
    largest = max(share.values(), default=Fraction(0))
    return math.ceil(largest * slack_percent / 100) + 1


# --------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Selected:
    plan: str
    stratum: str
    rank: int
    uscc: str
    ticket: str


def strata_lines(rows: Iterable[tuple[str, str, str, str]]) -> list[str]:
    """The lines of the private ``strata.tsv`` from (plan, label, stratum, ratio), sorted."""
    return sorted(f"{plan}\t{label}\t{stratum}\t{ratio}" for plan, label, stratum, ratio in rows)


def strata_parse(lines: Iterable[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(plan, label) -> (stratum, ratio) from ``strata.tsv``."""
    mapping: dict[tuple[str, str], tuple[str, str]] = {}
    for number, line in enumerate(lines, start=1):
        cells = line.split("\t")
        if len(cells) != 4:
            raise ValueError(f"strata.tsv line {number}: not plan, label, stratum, ratio: {line!r}")
        mapping[(cells[0], cells[1])] = (cells[2], cells[3])
    return mapping


def pool_lines(rows: Iterable[tuple[str, str, str]]) -> list[str]:
    """The lines of ``pool.tsv`` from (plan, stratum, uscc), sorted."""
    return sorted(f"{plan}\t{stratum}\t{uscc}" for plan, stratum, uscc in rows)


def pool_groups(lines: Iterable[str]) -> Iterator[tuple[str, str, list[str]]]:
    """(plan, stratum, usccs) per stratum of a sorted ``pool.tsv``; refuses a file out of
    order or with a firm twice."""
    key: tuple[str, str] | None = None
    group: list[str] = []
    previous = ""
    for number, line in enumerate(lines, start=1):
        cells = line.split("\t")
        if len(cells) != 3:
            raise ValueError(f"pool.tsv line {number}: not plan, stratum, uscc: {line!r}")
        if line <= previous:
            raise ValueError(f"pool.tsv line {number}: not in order (or repeated): {line!r}")
        previous = line
        if (cells[0], cells[1]) != key:
            if key is not None:
                yield key[0], key[1], group
            key, group = (cells[0], cells[1]), []
        group.append(cells[2])
    if key is not None:
        yield key[0], key[1], group


def stratum_select(
    *, keyed: Keyed, plan: str, stratum: str, usccs: Iterable[str], target: int
) -> list[Selected]:
    """The `target` lowest tickets of one stratum, ranked."""
    prefix = f"{plan}|{stratum}|"
    tickets = ((keyed.hexdigest(prefix + uscc), uscc) for uscc in usccs)
    best = heapq.nsmallest(target, tickets) if target > 0 else []
    return [
        Selected(plan=plan, stratum=stratum, rank=rank, uscc=uscc, ticket=ticket)
        for rank, (ticket, uscc) in enumerate(best, start=1)
    ]


def select(
    *,
    seed: bytes,
    groups: Iterable[tuple[str, str, Iterable[str]]],
    targets: dict[tuple[str, str], int],
) -> tuple[list[Selected], dict[tuple[str, str], int]]:
    """Every stratum's selection, and each stratum's pool size as read."""
    keyed = Keyed(seed)
    chosen: list[Selected] = []
    sizes: dict[tuple[str, str], int] = {}
    for plan, stratum, usccs in groups:
        items = list(usccs)
        sizes[(plan, stratum)] = len(items)
        chosen += stratum_select(
            keyed=keyed,
            plan=plan,
            stratum=stratum,
            usccs=items,
            target=targets.get((plan, stratum), 0),
        )
    return chosen, sizes


def selection_lines(selection: Iterable[Selected]) -> list[str]:
    ordered = sorted(selection, key=lambda s: (s.plan, s.stratum, s.rank))
    return [f"{s.plan}\t{s.stratum}\t{s.rank}\t{s.uscc}\t{s.ticket}" for s in ordered]


# --------------------------------------------------------------------------- assignment


@dataclass(frozen=True)
class Visit:
    """One visit: a firm drawn by one or several plans, and its inspectors in the order they
    were assigned. `short` when it has fewer than it needs (the roster ran out)."""

    uscc: str
    plans: tuple[str, ...]
    ticket: str
    inspectors: tuple[str, ...]
    short: bool = False


def plan_ranking(*, keyed: Keyed, plan: PlanSpec, roster: Roster) -> list[str]:
    """The plan's roster ranked once: the inspectors of its departments by their HMAC."""
    departments = set(plan.departments)
    prefix = f"inspector|{plan.code}|"
    return [
        staff
        for _key, staff in sorted(
            (keyed.hexdigest(prefix + staff), staff)
            for staff, (department, _skills) in roster.inspectors.items()
            if department in departments
        )
    ]


def assign(
    *,
    seed: bytes,
    plans: Sequence[PlanSpec],
    selection: Iterable[Selected],
    roster: Roster,
    cap: int,
) -> list[Visit]:
    """The visits in order, each with its inspectors (module docstring)."""
    keyed = Keyed(seed)
    by_code = {plan.code: plan for plan in plans}
    rankings = {plan.code: plan_ranking(keyed=keyed, plan=plan, roster=roster) for plan in plans}
    positions = {code: {s: i for i, s in enumerate(r)} for code, r in rankings.items()}
    firms: dict[str, tuple[str, set[str]]] = {}
    for s in selection:
        ticket, codes = firms.get(s.uscc, (s.ticket, set()))
        codes.add(s.plan)
        firms[s.uscc] = (min(ticket, s.ticket), codes)
    order = sorted(firms.items(), key=lambda item: (item[1][0], item[0]))
    load: dict[str, int] = {}
    visits: list[Visit] = []
    for uscc, (ticket, codes) in order:
        visit_plans = [by_code[c] for c in sorted(codes)]
        if len(visit_plans) == 1:
            candidates = rankings[visit_plans[0].code]
        else:
            candidates = sorted(
                {s for p in visit_plans for s in rankings[p.code]},
                key=lambda s: (
                    min(positions[p.code].get(s, len(positions[p.code])) for p in visit_plans),
                    s,
                ),
            )
        departments: list[str] = []
        skills: set[str] = set()
        needed = 0
        for plan in visit_plans:
            departments += [d for d in plan.departments if d not in departments]
            skills.update(plan.skills)
            needed = max(needed, plan.min_inspectors)
        needed = max(needed, len(departments))
        recused = roster.recusals.get(uscc, set())
        previous = roster.previous.get(uscc, set())
        chosen = _staff_visit(
            candidates=candidates,
            roster=roster,
            departments=departments,
            skills=sorted(skills),
            needed=needed,
            barred=recused,
            previous=previous,
            load=load,
            cap=cap,
        )
        for staff in chosen:
            load[staff] = load.get(staff, 0) + 1
        visits.append(
            Visit(
                uscc=uscc,
                plans=tuple(sorted(codes)),
                ticket=ticket,
                inspectors=tuple(chosen),
                short=len(chosen) < needed,
            )
        )
    return visits


def _staff_visit(
    *,
    candidates: Sequence[str],
    roster: Roster,
    departments: Sequence[str],
    skills: Sequence[str],
    needed: int,
    barred: set[str],
    previous: set[str],
    load: dict[str, int],
    cap: int | None,
) -> list[str]:
    """One visit's inspectors: departments first, then skills, then up to `needed`; the load
    cap lifted, then rotation, while it is short (recusals never)."""
    chosen: list[str] = []
    taken: set[str] = set()
    for relax in (0, 1, 2):
        limit = cap if relax == 0 else None
        avoid = previous if relax < 2 else set()

        def eligible(staff: str, limit: int | None = limit, avoid: set[str] = avoid) -> bool:
            return (
                staff not in taken
                and staff not in barred
                and staff not in avoid
                and (limit is None or load.get(staff, 0) < limit)
            )

        def take(staff: str) -> None:
            chosen.append(staff)
            taken.add(staff)

        held_departments = {roster.inspectors[s][0] for s in chosen}
        wanted = [d for d in departments if d not in held_departments]
        if wanted:
            # Departments in the order their first eligible candidate appears.
            for staff in candidates:
                department = roster.inspectors[staff][0]
                if department in wanted and eligible(staff):
                    take(staff)
                    wanted.remove(department)
                    if not wanted:
                        break
        for skill in skills:
            if any(skill in roster.inspectors[s][1] for s in chosen):
                continue
            for staff in candidates:
                if skill in roster.inspectors[staff][1] and eligible(staff):
                    take(staff)
                    break
        if len(chosen) < needed:
            for staff in candidates:
                if eligible(staff):
                    take(staff)
                    if len(chosen) >= needed:
                        break
        held_departments = {roster.inspectors[s][0] for s in chosen}
        held_skills = set().union(*(roster.inspectors[s][1] for s in chosen)) if chosen else set()
        if (
            len(chosen) >= needed
            and all(d in held_departments for d in departments)
            and all(s in held_skills for s in skills)
        ):
            break
    return chosen


def assignment_lines(visits: Iterable[Visit]) -> list[str]:
    return [f"{v.uscc}\t{','.join(v.inspectors) or NONE}" for v in visits]


# --------------------------------------------------------------------------- the check


@dataclass
class Report:
    """What `verify_files` recomputed: its lines, and whether everything matched."""

    ok: bool = True
    lines: list[str] = field(default_factory=list)
    selection_hash: str = ""
    commitment_hash: str = ""

    def say(self, line: str) -> None:
        self.lines.append(line)

    def differs(self, line: str) -> None:
        self.ok = False
        self.lines.append("MISMATCH " + line)


def _lines(data: bytes, name: str) -> list[str]:
    text = data.decode("utf-8")
    if "\r" in text:
        raise ValueError(f"{name}: line ends must be LF only")
    if text and not text.endswith("\n"):
        raise ValueError(f"{name}: the last line has no LF")
    return text.split("\n")[:-1] if text else []


def _iter_lines(data: bytes, name: str) -> Iterator[str]:
    """The lines of a large file one at a time (no list of millions of strings)."""
    if data and not data.endswith(b"\n"):
        raise ValueError(f"{name}: the last line has no LF")
    for line in io.BytesIO(data):
        text = line[:-1].decode("utf-8")
        if text.endswith("\r"):
            raise ValueError(f"{name}: line ends must be LF only")
        yield text


def _first_difference(name: str, expected: list[str], found: list[str], report: Report) -> None:
    for number, (want, got) in enumerate(zip(expected, found, strict=False), start=1):
        if want != got:
            report.differs(f"{name} line {number}: recomputed {want!r}, the file has {got!r}")
            return
    if len(expected) != len(found):
        report.differs(
            f"{name}: recomputed {len(expected)} lines, the file has {len(found)} "
            f"(first extra line {min(len(expected), len(found)) + 1})"
        )


def verify_files(files: dict[str, bytes]) -> Report:
    """Check a draw from its files' bytes (uncompressed), by name (`FILE_NAMES`): the manifest
    and the pool always; the roster, the exclusions, the seed, the selection and the
    assignment when given. Never raises for a bad file: the report says what differs."""
    report = Report()
    try:
        _verify(files, report)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.differs(f"cannot be read: {exc}")
    if report.ok:
        report.say("OK")
    return report


def _verify(files: dict[str, bytes], report: Report) -> None:
    for name in COMMITMENT_FILES:
        if name not in files:
            raise ValueError(f"{name} is missing")
    manifest_bytes = files["manifest.json"]
    manifest = json.loads(manifest_bytes.decode("utf-8"))
    if canonical_json(manifest) != manifest_bytes.rstrip(b"\n"):
        report.differs("manifest.json is not in canonical form (sorted keys, no spaces)")
    report.commitment_hash = sha256_hex(canonical_json(manifest))
    if manifest.get("algorithm") != ALGORITHM:
        raise ValueError(
            f"algorithm {manifest.get('algorithm')!r}: this verifier knows {ALGORITHM}"
        )
    number = str(manifest["number"])
    report.say(f"draw {number} ({ALGORITHM}), pool as of {manifest['as_of']}")
    report.say(f"commitment hash {report.commitment_hash}")
    report.say(f"previous draw's hash {manifest.get('previous_hash') or NONE}")
    for name, key in (
        ("pool.tsv", "pool_hash"),
        ("roster.tsv", "roster_hash"),
        ("exclusions.tsv", "exclusions_hash"),
    ):
        if name not in files:
            report.say(f"{name}: not given (not revealed yet?)")
            continue
        digest = sha256_hex(files[name])
        if digest == manifest[key]:
            report.say(f"{name}: sha256 {digest} matches the manifest")
        else:
            report.differs(f"{name}: sha256 {digest}, the manifest says {manifest[key]}")
    plans = [PlanSpec.from_manifest(p) for p in manifest["plans"]]
    targets = {(plan.code, label): target for plan in plans for label, _p, target in plan.strata}
    if "strata.tsv" in files:
        _check_strata(files["strata.tsv"], manifest, plans, report)
    else:
        report.say("strata.tsv not given (not public): targets not checked against the ratios")
    pool_text = _iter_lines(files["pool.tsv"], "pool.tsv")
    reveal = json.loads(files["reveal.json"].decode("utf-8")) if "reveal.json" in files else None
    seed = b""
    if reveal is not None:
        server_seed = str(reveal["server_seed"])
        if seed_hash(server_seed) != manifest["seed_hash"]:
            report.differs(
                f"reveal.json: the server seed hashes to {seed_hash(server_seed)}, the manifest "
                f"committed to {manifest['seed_hash']}"
            )
        else:
            report.say("server seed matches the hash committed in the manifest")
        outside = str(reveal["outside_value"])
        report.say(f"outside randomness ({manifest['outside_source']}): {outside!r}")
        seed = derive_seed(
            number=number,
            pool_hash=manifest["pool_hash"],
            roster_hash=manifest["roster_hash"],
            outside_value=outside,
            server_seed=server_seed,
        )
        report.say(f"seed {seed.hex()}")
    # Without the seed, only the pool sizes are counted (no tickets).
    selection, sizes = select(
        seed=seed or b"\0", groups=pool_groups(pool_text), targets=targets if seed else {}
    )
    for plan in plans:
        for label, size, target in plan.strata:
            found = sizes.get((plan.code, label), 0)
            mark = "" if found == size else f" MISMATCH: the manifest says {size}"
            if found != size:
                report.ok = False
            report.say(f"plan {plan.code} stratum {label}: pool {found}{mark}, target {target}")
    unknown = sorted(set(sizes) - set(targets))
    if unknown:
        report.differs(f"pool.tsv has strata the manifest does not name: {unknown[:5]}")
    if reveal is None or "roster.tsv" not in files:
        report.say("selection not checked: reveal.json and roster.tsv are published at the reveal")
        return
    roster = roster_parse(_lines(files["roster.tsv"], "roster.tsv"))
    cap = load_cap(plans=plans, roster=roster, slack_percent=int(manifest["load_slack_percent"]))
    if cap != int(manifest["load_cap"]):
        report.differs(f"load cap recomputed {cap}, the manifest says {manifest['load_cap']}")
    else:
        report.say(f"load cap {cap} visits per inspector")
    visits = assign(seed=seed, plans=plans, selection=selection, roster=roster, cap=cap)
    sel_lines = selection_lines(selection)
    asg_lines = assignment_lines(visits)
    sel_bytes, asg_bytes = text_bytes(sel_lines), text_bytes(asg_lines)
    report.selection_hash = selection_hash(sel_bytes, asg_bytes)
    joint = sum(1 for v in visits if len(v.plans) > 1)
    report.say(
        f"recomputed: {len(sel_lines)} firms drawn, {len(visits)} visits ({joint} joint), "
        f"{sum(len(v.inspectors) for v in visits)} inspector assignments"
    )
    for name, recomputed in (("selection.tsv", sel_lines), ("assignment.tsv", asg_lines)):
        if name in files:
            _first_difference(name, recomputed, _lines(files[name], name), report)
    report.say(f"selection hash {report.selection_hash}")
    published = reveal.get("selection_hash")
    if published and published != report.selection_hash:
        report.differs(f"reveal.json: the published selection hash is {published}")


def _check_strata(
    data: bytes, manifest: dict[str, Any], plans: Sequence[PlanSpec], report: Report
) -> None:
    """The private mapping of labels to strata (oversight): its hash, and every target
    against its ratio."""
    digest = sha256_hex(data)
    if digest != manifest.get("strata_hash"):
        report.differs(
            f"strata.tsv: sha256 {digest}, the manifest says {manifest.get('strata_hash')}"
        )
        return
    report.say(f"strata.tsv: sha256 {digest} matches the manifest")
    mapping = strata_parse(_lines(data, "strata.tsv"))
    for plan in plans:
        for label, pool, target in plan.strata:
            if (plan.code, label) not in mapping:
                report.differs(f"strata.tsv does not name plan {plan.code} stratum {label}")
                continue
            stratum, ratio = mapping[(plan.code, label)]
            if stratum_target(pool, ratio) != target:
                report.differs(
                    f"plan {plan.code} stratum {label} ({stratum}): target {target}, but "
                    f"ceil({pool} × {ratio} %) = {stratum_target(pool, ratio)}"
                )
            else:
                report.say(f"plan {plan.code} stratum {label} is {stratum} at {ratio} %")


# --------------------------------------------------------------------------- command line


def read_paths(paths: Sequence[str]) -> dict[str, bytes]:
    """The files named (or found in the directories named), by their name without ``.gz``,
    uncompressed."""
    found: dict[str, bytes] = {}
    for path in paths:
        entries = (
            [os.path.join(path, n) for n in sorted(os.listdir(path))]
            if os.path.isdir(path)
            else [path]
        )
        for entry in entries:
            base = os.path.basename(entry)
            name = base[:-3] if base.endswith(".gz") else base
            if name not in FILE_NAMES:
                if not os.path.isdir(path):
                    raise ValueError(f"{entry}: not a file of a draw ({', '.join(FILE_NAMES)})")
                continue
            with open(entry, "rb") as handle:
                data = handle.read()
            found[name] = gzip.decompress(data) if base.endswith(".gz") else data
    return found


def _say(line: str, stream: Any = None) -> None:
    (stream or sys.stdout).write(line + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        _say(__doc__ or "usage: python -m inspections.verify DIRECTORY_OR_FILES...")
        return 2 if not args else 0
    try:
        files = read_paths(args)
    except (OSError, ValueError, EOFError) as exc:
        _say(f"cannot read the files: {exc}", sys.stderr)
        return 2
    missing = [n for n in COMMITMENT_FILES if n not in files]
    if missing:
        _say(f"missing: {', '.join(missing)}", sys.stderr)
        return 2
    report = verify_files(files)
    for line in report.lines:
        _say(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

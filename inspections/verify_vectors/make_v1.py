"""Write the test vectors of ``draw/v1`` (``v1/``): a tiny published draw, every file and an
``expected.txt`` of what the verifier must recompute. Standard library only; deterministic.

    python inspections/verify_vectors/make_v1.py      # rewrites v1/ (only if the algorithm
                                                     # is meant to change: the vectors freeze it)

Strata are named by their labels (S1, S2, ...; `strata.tsv`, private, maps them). Two plans:
P01 (the bureau alone; strata A, B, C, X, IB, NR) and P02 (joint: the bureau and the
health commission; an item needing the "food" skill; strata B, C). Four firms are in both pools,
so some draws are joint visits. Six inspectors; one recusal and one previous inspector.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from inspections import verify  # noqa: E402

NUMBER = "DRAW-2026-0001"
SERVER_SEED = "5f0c3a9e1d2b4c6a8e7f90123456789abcdef0123456789abcdef0123456789a"
OUTSIDE = "welfare lottery 3D 2026-03-12: 4 7 1"


def uscc(n: int, digit: str = "1") -> str:
    return f"9{digit}510116MA{n:06d}X"[:18]


def build() -> dict[str, bytes]:
    p01 = {
        "A": [uscc(n) for n in range(1, 9)],
        "B": [uscc(n) for n in range(9, 21)],
        "C": [uscc(n) for n in range(21, 27)],
        "X": [uscc(n) for n in range(27, 31)],
        "IB": [uscc(n, "2") for n in range(31, 41)],
        "NR": [uscc(n) for n in range(41, 44)],
    }
    p02 = {
        "B": [uscc(n) for n in (9, 10, 11, 12, 50, 51, 52, 53)],
        "C": [uscc(n) for n in (21, 22, 54, 55, 56)],
    }
    # The public labels of the strata (drawn at random at a real commitment; fixed here).
    labels = {("P01", "B"): "S1", ("P01", "X"): "S2", ("P01", "A"): "S3",
              ("P01", "NR"): "S4", ("P01", "C"): "S5", ("P01", "IB"): "S6",
              ("P02", "C"): "S1", ("P02", "B"): "S2"}  # fmt: skip
    pool = verify.pool_lines(
        [("P01", labels[("P01", s)], u) for s, us in p01.items() for u in us]
        + [("P02", labels[("P02", s)], u) for s, us in p02.items() for u in us]
    )
    ratios = {("P01", "A"): "10.00", ("P01", "B"): "25.00", ("P01", "C"): "50.00",
              ("P01", "X"): "25.00", ("P01", "IB"): "10.00", ("P01", "NR"): "100.00",
              ("P02", "B"): "50.00", ("P02", "C"): "60.00"}  # fmt: skip
    pools = {"P01": p01, "P02": p02}
    roster = verify.roster_lines(
        inspectors=[("000001", "amr", []), ("000002", "amr", ["food"]), ("000003", "amr", []),
                    ("000004", "amr", ["equipment"]), ("000005", "health", ["food"]),
                    ("000006", "health", [])],
        recusals=[("000002", uscc(21))],
        previous=[(uscc(10), "000001"), (uscc(19), "000002"), (uscc(19), "000009")],
    )  # fmt: skip
    exclusions = sorted(
        [f"P01\t{uscc(60)}\tclosed\t-", f"P01\t{uscc(61)}\tobservation\t2026-11-02",
         f"P02\t{uscc(61)}\tobservation\t2026-11-02", f"P01\t{uscc(62)}\tsuspended\t2027-01-31"]
    )  # fmt: skip
    files = {
        "pool.tsv": verify.text_bytes(pool),
        "roster.tsv": verify.text_bytes(roster),
        "exclusions.tsv": verify.text_bytes(exclusions),
        "strata.tsv": verify.text_bytes(
            verify.strata_lines(
                (p, label, st, ratios[(p, st)]) for (p, st), label in labels.items()
            )
        ),
    }
    plans = []
    for code, lead, departments, skills, items in (
        ("P01", "amr", ["amr"], [], ["reg-info"]),
        ("P02", "amr", ["amr", "health"], ["food"], ["food-safety", "reg-info"]),
    ):
        strata = sorted(
            (
                {
                    "label": labels[(code, stratum)],
                    "pool": len(pools[code][stratum]),
                    "target": verify.stratum_target(
                        len(pools[code][stratum]), ratios[(code, stratum)]
                    ),
                }
                for stratum in pools[code]
            ),
            key=lambda s: str(s["label"]),
        )
        plans.append({"code": code, "name": f"plan {code}", "kind": "random", "year": 2026,
                      "lead": lead, "departments": departments, "min_inspectors": 2,
                      "skills": skills, "items": items,
                      "scope": {"industries": [], "streets": [], "entity_types": []},
                      "strata": strata})  # fmt: skip
    roster_parsed = verify.roster_parse(roster)
    specs = [verify.PlanSpec.from_manifest(p) for p in plans]
    cap = verify.load_cap(plans=specs, roster=roster_parsed, slack_percent=150)
    manifest = {
        "algorithm": verify.ALGORITHM, "number": NUMBER, "title": "Test vectors v1",
        "is_control": False, "previous_hash": "", "as_of": "2026-03-01",
        "committed_at": "2026-03-02T09:00:00+08:00",
        "outside_source": "welfare lottery 3D of 12 March 2026",
        "seed_hash": verify.seed_hash(SERVER_SEED),
        "pool_hash": verify.sha256_hex(files["pool.tsv"]),
        "roster_hash": verify.sha256_hex(files["roster.tsv"]),
        "exclusions_hash": verify.sha256_hex(files["exclusions.tsv"]),
        "strata_hash": verify.sha256_hex(files["strata.tsv"]),
        "plans": plans, "load_slack_percent": 150, "load_cap": cap, "redraw_of": "",
        "redraw_reason": "",
    }  # fmt: skip
    files["manifest.json"] = verify.canonical_json(manifest)
    seed = verify.derive_seed(
        number=NUMBER,
        pool_hash=verify.sha256_hex(files["pool.tsv"]),
        roster_hash=verify.sha256_hex(files["roster.tsv"]),
        outside_value=OUTSIDE,
        server_seed=SERVER_SEED,
    )
    targets = {(p.code, s[0]): s[2] for p in specs for s in p.strata}
    selection, _sizes = verify.select(seed=seed, groups=verify.pool_groups(pool), targets=targets)
    visits = verify.assign(
        seed=seed, plans=specs, selection=selection, roster=roster_parsed, cap=cap
    )
    files["selection.tsv"] = verify.text_bytes(verify.selection_lines(selection))
    files["assignment.tsv"] = verify.text_bytes(verify.assignment_lines(visits))
    digest = verify.selection_hash(files["selection.tsv"], files["assignment.tsv"])
    files["reveal.json"] = verify.canonical_json(
        {"number": NUMBER, "commitment_hash": verify.sha256_hex(files["manifest.json"]),
         "server_seed": SERVER_SEED, "outside_value": OUTSIDE, "selection_hash": digest}
    )  # fmt: skip
    files["expected.txt"] = verify.text_bytes(
        [
            f"commitment_hash {verify.sha256_hex(files['manifest.json'])}",
            f"seed {seed.hex()}",
            f"load_cap {cap}",
            f"selected {len(selection)}",
            f"visits {len(visits)}",
            f"joint {sum(1 for v in visits if len(v.plans) > 1)}",
            f"selection_hash {digest}",
        ]
    )
    return files


if __name__ == "__main__":
    for name, data in build().items():
        (HERE / "v1" / name).write_bytes(data)
        sys.stdout.write(f"v1/{name}: {len(data)} bytes\n")

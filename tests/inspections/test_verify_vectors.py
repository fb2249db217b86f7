"""The standard-library verifier (`inspections.verify`): it reproduces the test vectors, agrees
with an independent computation of the tickets, detects any tampering with a published file,
imports nothing but the standard library, and runs as `python -m inspections.verify` in a
clean environment (no Django settings)."""

from __future__ import annotations

import ast
import gzip
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from inspections import verify

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "inspections" / "verify_vectors" / "v1"


def _files() -> dict[str, bytes]:
    return verify.read_paths([str(VECTORS)])


def _expected() -> dict[str, str]:
    lines = (VECTORS / "expected.txt").read_text().splitlines()
    return dict(line.split(" ", 1) for line in lines)


def test_the_verifier_reproduces_the_vectors():
    report = verify.verify_files(_files())
    expected = _expected()
    assert report.ok, report.lines
    assert report.lines[-1] == "OK"
    assert report.commitment_hash == expected["commitment_hash"]
    assert report.selection_hash == expected["selection_hash"]
    assert f"seed {expected['seed']}" in report.lines
    assert f"load cap {expected['load_cap']} visits per inspector" in report.lines
    assert (
        f"recomputed: {expected['selected']} firms drawn, {expected['visits']} visits "
        f"({expected['joint']} joint)" in "\n".join(report.lines)
    )


def test_the_vectors_agree_with_an_independent_computation_of_seed_and_tickets():
    """Plain `hmac` and `sorted`, not the verifier's functions."""
    files = _files()
    manifest = json.loads(files["manifest.json"])
    reveal = json.loads(files["reveal.json"])
    text = "|".join(
        [
            "draw/v1",
            manifest["number"],
            hashlib.sha256(files["pool.tsv"]).hexdigest(),
            hashlib.sha256(files["roster.tsv"]).hexdigest(),
            reveal["outside_value"],
            reveal["server_seed"],
        ]
    )
    seed = hashlib.sha256(text.encode()).digest()
    assert seed.hex() == _expected()["seed"]
    assert hashlib.sha256(reveal["server_seed"].encode()).hexdigest() == manifest["seed_hash"]
    pools: dict[tuple[str, str], list[str]] = {}
    for line in files["pool.tsv"].decode().splitlines():
        plan, stratum, uscc = line.split("\t")
        pools.setdefault((plan, stratum), []).append(uscc)
    expected_lines = []
    for plan in manifest["plans"]:
        for s in plan["strata"]:
            usccs = pools[(plan["code"], s["label"])]
            tickets = sorted(
                (
                    hmac.new(
                        seed, f"{plan['code']}|{s['label']}|{u}".encode(), "sha256"
                    ).hexdigest(),
                    u,
                )
                for u in usccs
            )
            for rank, (ticket, uscc) in enumerate(tickets[: s["target"]], start=1):
                expected_lines.append(f"{plan['code']}\t{s['label']}\t{rank}\t{uscc}\t{ticket}")
    assert files["selection.tsv"].decode().splitlines() == sorted(
        expected_lines, key=lambda x: (x.split("\t")[0], x.split("\t")[1], int(x.split("\t")[2]))
    )


def test_the_vectors_keep_the_assignment_rules():
    """At least two per visit; recusal and rotation respected; a joint visit has both
    departments and the food skill its plan needs."""
    files = _files()
    roster = verify.roster_parse(files["roster.tsv"].decode().splitlines())
    drawn_by: dict[str, set[str]] = {}
    for line in files["selection.tsv"].decode().splitlines():
        plan, _s, _r, uscc, _t = line.split("\t")
        drawn_by.setdefault(uscc, set()).add(plan)
    lines = files["assignment.tsv"].decode().splitlines()
    assert len(lines) == len(drawn_by)
    for line in lines:
        uscc, staff = line.split("\t")
        team = staff.split(",")
        assert len(team) >= 2 and len(set(team)) == len(team)
        assert not set(team) & roster.recusals.get(uscc, set())
        assert not set(team) & roster.previous.get(uscc, set())
        if drawn_by[uscc] == {"P01", "P02"}:
            assert {roster.inspectors[s][0] for s in team} == {"amr", "health"}
            assert any("food" in roster.inspectors[s][1] for s in team)


def _tampered(name: str, change) -> dict[str, bytes]:
    files = _files()
    files[name] = change(files[name])
    return files


def _swap_line(data: bytes, index: int, new: str) -> bytes:
    lines = data.decode().splitlines()
    lines[index] = new
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("name", "change", "says"),
    [
        (
            "pool.tsv",
            lambda d: _swap_line(d, 3, d.decode().splitlines()[3][:-2] + "9X"),
            "pool.tsv: sha256",
        ),
        (
            "reveal.json",
            lambda d: d.replace(b'"server_seed":"5f', b'"server_seed":"6f'),
            "the server seed hashes to",
        ),
        (
            "reveal.json",
            lambda d: d.replace(b"4 7 1", b"4 7 2"),
            "selection.tsv line",
        ),
        (
            "assignment.tsv",
            lambda d: _swap_line(
                d, 0, d.decode().splitlines()[0].split("\t")[0] + "\t000006,000001"
            ),
            "assignment.tsv line 1",
        ),
        (
            "selection.tsv",
            lambda d: _swap_line(d, 0, "\t".join(d.decode().splitlines()[1].split("\t"))),
            "selection.tsv line 1",
        ),
        (
            "roster.tsv",
            lambda d: d.replace(b"I\t000006\thealth\t-", b"I\t000006\tamr\t-"),
            "roster.tsv: sha256",
        ),
        ("strata.tsv", lambda d: d.replace(b"10.00", b"20.00", 1), "strata.tsv: sha256"),
        (
            "manifest.json",
            lambda d: d.replace(b'"pool":8,"target":1', b'"pool":8,"target":2', 1),
            "target 2, but",
        ),
        ("exclusions.tsv", lambda d: d[:-20] + b"\n", "exclusions.tsv: sha256"),
    ],
)
def test_tampering_with_any_file_is_detected(name, change, says):
    report = verify.verify_files(_tampered(name, change))
    assert not report.ok
    assert "OK" not in report.lines
    assert any(says in line for line in report.lines if line.startswith("MISMATCH")), report.lines


def test_a_changed_manifest_changes_the_commitment_hash():
    files = _tampered("manifest.json", lambda d: d.replace(b"Test vectors v1", b"Test vectors v2"))
    report = verify.verify_files(files)
    assert report.commitment_hash != _expected()["commitment_hash"]


def test_without_the_reveal_only_the_commitment_is_checked():
    files = {k: v for k, v in _files().items() if k in ("manifest.json", "pool.tsv")}
    report = verify.verify_files(files)
    assert report.ok and report.selection_hash == ""
    assert any("selection not checked" in line for line in report.lines)
    assert any("targets not checked against the ratios" in line for line in report.lines)


def test_the_public_files_name_no_class():
    """Strata are classes (internal): the public files carry opaque labels only."""
    files = _files()
    manifest = json.loads(files["manifest.json"])
    for plan in manifest["plans"]:
        for stratum in plan["strata"]:
            assert set(stratum) == {"label", "pool", "target"}
    for name in ("pool.tsv", "selection.tsv"):
        labels = {line.split("\t")[1] for line in files[name].decode().splitlines()}
        assert labels <= {f"S{n}" for n in range(1, 8)}, labels
    public = {k: v for k, v in files.items() if k not in verify.PRIVATE_FILES}
    report = verify.verify_files(public)
    assert report.ok and report.selection_hash == _expected()["selection_hash"]


def test_the_verifier_imports_only_the_standard_library():
    tree = ast.parse((ROOT / "inspections" / "verify.py").read_text())
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative import"
            modules.add((node.module or "").split(".")[0])
    assert modules, "the parse found the imports"
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}, modules


def _clean_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}


def test_it_runs_as_a_module_in_a_clean_environment(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-I", "-m", "inspections.verify", str(VECTORS)],
        cwd=ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "DJANGO_SETTINGS_MODULE" not in _clean_env()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "OK"
    assert f"selection hash {_expected()['selection_hash']}" in proc.stdout


def test_a_copied_verify_py_checks_gzipped_files_and_fails_on_a_tampered_one(tmp_path):
    """What a member of the public does: download verify.py and the files (gzip as served)."""
    shutil.copy(ROOT / "inspections" / "verify.py", tmp_path / "verify.py")
    files = tmp_path / "draw"
    files.mkdir()
    for path in VECTORS.iterdir():
        if path.name != "expected.txt":
            (files / (path.name + ".gz")).write_bytes(gzip.compress(path.read_bytes()))
    run = [sys.executable, "-I", str(tmp_path / "verify.py"), str(files)]
    ok = subprocess.run(
        run, cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    data = gzip.decompress((files / "assignment.tsv.gz").read_bytes()).decode().splitlines()
    uscc, team = data[2].split("\t")
    data[2] = uscc + "\t" + ",".join(reversed(team.split(",")))
    (files / "assignment.tsv.gz").write_bytes(gzip.compress(("\n".join(data) + "\n").encode()))
    bad = subprocess.run(
        run, cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 1
    assert "MISMATCH assignment.tsv line 3" in bad.stdout
    assert "OK" not in bad.stdout.splitlines()
    missing = subprocess.run(
        [sys.executable, "-I", str(tmp_path / "verify.py"), str(tmp_path / "nowhere")],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2


def test_the_keyed_hmac_is_rfc_2104():
    for key in (b"", b"k" * 10, b"k" * 64, b"k" * 100):
        keyed = verify.Keyed(key)
        for message in ("", "P01|A|91510116MA000001X", "一二三"):
            assert keyed.hexdigest(message) == hmac.new(key, message.encode(), "sha256").hexdigest()


@pytest.mark.parametrize(
    ("pool", "ratio", "target"),
    [(0, "10", 0), (1, "0.50", 1), (200, "0.50", 1), (201, "0.50", 2), (10, "100", 10),
     (7, "33.33", 3), (100, "0", 0), (3, "12.5", 1)],
)  # fmt: skip
def test_targets_are_the_ceiling_of_pool_times_ratio(pool, ratio, target):
    assert verify.stratum_target(pool, ratio) == target


def test_a_ratio_with_more_than_two_decimals_is_refused():
    with pytest.raises(ValueError, match="two decimals"):
        verify.ratio_hundredths("1.234")

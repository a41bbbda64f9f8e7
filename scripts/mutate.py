"""Mutation testing, one module at a time (`make mutate`; not part of CI).

Each module named in ``[tool.geo311-mutate.modules]`` of pyproject.toml is mutated on its own, in
its own work directory ``.mutmut/<module>/``, against only the tests listed for it there; mutmut
then runs, for each mutant, only those of these tests that reached the mutated function. The work
directory keeps mutmut's state, so a second run re-checks only what changed.

    python scripts/mutate.py             # the default modules ([tool.geo311-mutate] default)
    python scripts/mutate.py geo311/service/duplicates.py
    python scripts/mutate.py --all
    python scripts/mutate.py --list
    python scripts/mutate.py --survivors geo311/hotspots/aggregate.py   # after adding tests

Per module it prints mutants, killed, survived, no tests and timeouts, the score, the surviving
mutants' names (``mutmut show NAME`` in the work directory shows one), and writes the same into
``.mutmut/<module>/summary.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutmut"
# what the tests need beside the sources, linked into each work directory
LINKED = ("geo311", "tests", "profiles", "testsupport", "setup.py")


def load_plan() -> tuple[dict[str, list[str]], list[str]]:
    """The modules with their tests, and the modules of the default run, from pyproject.toml."""
    table = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["geo311-mutate"]
    modules = {name: list(tests) for name, tests in table["modules"].items()}
    unknown = [m for m in table["default"] if m not in modules]
    if unknown:
        sys.exit(f"[tool.geo311-mutate] default names modules without tests: {unknown}")
    return modules, list(table["default"])


def workdir_for(module: str) -> Path:
    """``.mutmut/geo311.address.match`` for ``geo311/address/match.py``."""
    return WORK / module.removesuffix(".py").replace("/", ".")


def pyproject_for(module: str, tests: list[str]) -> str:
    """The project's pyproject.toml with [tool.mutmut] narrowed to one module and its tests."""
    text = (ROOT / "pyproject.toml").read_text()
    own = (
        "\n[tool.mutmut]\n"
        f"only_mutate = {json.dumps([module])}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
    )
    # the project's [tool.mutmut] keys come after the narrowed ones, minus those two
    shared = re.search(r"^\[tool\.mutmut\]\n(.*?)(?=^\[|\Z)", text, re.S | re.M)
    if shared is None:
        sys.exit("pyproject.toml has no [tool.mutmut] table")
    body = "".join(
        line + "\n"
        for line in shared.group(1).splitlines()
        if not line.startswith(("only_mutate", "pytest_add_cli_args_test_selection"))
    )
    rest = text[: shared.start()] + text[shared.end():]
    return rest.rstrip() + "\n" + own + body


def prepare(module: str, tests: list[str]) -> Path:
    """The module's work directory: links to the sources and tests, its own pyproject.toml."""
    work = workdir_for(module)
    work.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = work / name
        if not link.is_symlink():
            link.symlink_to(ROOT / name)
    wanted = pyproject_for(module, tests)
    config = work / "pyproject.toml"
    if not config.exists() or config.read_text() != wanted:
        config.write_text(wanted)
    return work


def mutmut(work: Path, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    """Run the venv's mutmut in a work directory."""
    exe = Path(sys.executable).with_name("mutmut")
    return subprocess.run(
        [str(exe), *args], cwd=work, text=True, capture_output=capture, check=False
    )


def statuses(work: Path) -> dict[str, str]:
    """Every mutant of the work directory with its status (killed, survived, not checked...)."""
    listing = mutmut(work, "results", "--all", "true", capture=True).stdout
    pairs = (line.strip().rsplit(": ", 1) for line in listing.splitlines() if ": " in line)
    return {name: status for name, status in pairs}


def summarise(module: str, work: Path, seconds: float, rechecked: list[str] | None) -> dict:
    """Counts and survivors, as mutmut recorded them.

    After ``--survivors`` (``rechecked`` names the mutants re-run) the other mutants keep the
    status of the previous summary: a test added later cannot let a killed mutant live.
    """
    status = statuses(work)
    if rechecked:
        previous = json.loads((work / "summary.json").read_text())
        counts = {k: previous.get(k, 0) for k in ("mutants", "killed", "timeout", "survived",
                                                   "no_tests", "suspicious",
                                                   "killed_by_selection")}
        for name in rechecked:
            counts["survived"] -= 1
            now = status.get(name, "survived")
            key = {"killed": "killed", "timeout": "timeout"}.get(now, "survived")
            counts[key] += 1
        survivors = sorted(n for n in rechecked if status.get(n) not in ("killed", "timeout"))
    else:
        found = list(status.values())
        counts = {"mutants": len(found), "killed": found.count("killed"),
                  "timeout": found.count("timeout"), "survived": found.count("survived"),
                  "no_tests": found.count("no tests"), "suspicious": found.count("suspicious")}
        survivors = sorted(n for n, s in status.items() if s == "survived")
    checked = sum(counts.get(k, 0) for k in ("killed", "survived", "timeout",
                                             "killed_by_selection"))
    summary = {
        "module": module,
        **counts,
        # a timeout is a mutant the tests noticed (it ran far longer than the tests do)
        "score": round((counts["killed"] + counts["timeout"]) / checked, 4) if checked else None,
        "seconds": round(seconds),
        "survivors": survivors,
    }
    (work / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def confirm(work: Path, summary: dict) -> dict:
    """Re-run each survivor against the whole test files of the tests that reach it.

    mutmut runs a mutant only against the tests it saw reach the mutated function, and it
    charges a module- or session-scoped fixture to the first test that built it: a test that
    only reads such a fixture is never run against the mutant. A survivor that fails its files'
    tests here is killed (``killed_by_selection``); one that passes here too truly survived.
    """
    stats = json.loads((work / "mutants" / "mutmut-stats.json").read_text())
    reach = stats["tests_by_mangled_function_name"]
    still, killed = [], []
    for name in summary["survivors"]:
        files = sorted({test.split("::")[0] for test in reach.get(name.split("__mutmut_")[0], [])})
        env = {**os.environ, "MUTANT_UNDER_TEST": name}
        run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                              *files], cwd=work / "mutants", env=env, capture_output=True,
                             text=True, check=False)
        (killed if run.returncode == 1 else still).append(name)
        print(f"  {'killed' if run.returncode == 1 else 'survived'} by {' '.join(files)}: {name}",
              flush=True)
    summary = {**summary, "survived": len(still), "survivors": still,
               "killed_by_selection": summary.get("killed_by_selection", 0) + len(killed)}
    checked = sum(summary[k] for k in ("killed", "timeout", "killed_by_selection", "survived"))
    summary["score"] = round(1 - len(still) / checked, 4) if checked else None
    (work / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    modules, default = load_plan()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="source files (default: the default modules)")
    parser.add_argument("--all", action="store_true", help="every module listed in pyproject.toml")
    parser.add_argument("--list", action="store_true", help="list the modules and their tests")
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutants (default 2)")
    parser.add_argument("--only", default="",
                        help="re-run the mutants matching this glob, e.g. '*x_by_district*'")
    parser.add_argument("--survivors", action="store_true",
                        help="re-run the last run's survivors (after adding tests)")
    parser.add_argument("--confirm", action="store_true",
                        help="then re-run each survivor against the whole files of its tests")
    args = parser.parse_args(argv)
    if args.list:
        for name, tests in modules.items():
            mark = "*" if name in default else " "
            print(f"{mark} {name}: {' '.join(tests)}")
        return 0
    chosen = list(modules) if args.all else (args.modules or default)
    unknown = [m for m in chosen if m not in modules]
    if unknown:
        parser.error(f"not in [tool.geo311-mutate.modules]: {', '.join(unknown)}")
    failed = 0
    for module in chosen:
        work = prepare(module, modules[module])
        print(f"== {module} ({' '.join(modules[module])})", flush=True)
        started = time.monotonic()
        # named mutants are re-run; without names mutmut checks only the ones not yet checked
        names = []
        if args.only:
            names = [module.removesuffix(".py").replace("/", ".") + args.only]
        elif args.survivors and (work / "summary.json").exists():
            names = json.loads((work / "summary.json").read_text())["survivors"]
        run = mutmut(work, "run", "--max-children", str(args.max_children), *names)
        if run.returncode != 0:
            print(f"mutmut failed on {module} (exit {run.returncode})", file=sys.stderr)
            failed += 1
            continue
        summary = summarise(module, work, time.monotonic() - started,
                            names if args.survivors else None)
        if args.confirm:
            summary = confirm(work, summary)
        print(json.dumps({k: v for k, v in summary.items() if k != "survivors"}))
        for name in summary["survivors"]:
            print(f"  survived: {name}")
    print(f"work directories: {os.path.relpath(WORK)}/ (cd there, `mutmut show NAME`)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

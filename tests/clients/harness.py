"""Runs real clients' own writer tests twice, once with their own writer and once with
tfevents' class swapped in (swap.py), and compares: ``scripts/clients.sh [--fast] [suite ...]``.

Only the tests that pass with the original count. For each suite it prints how many
ran, how many passed with the original and with tfevents, how many tfevents objects the
tests created (0 would mean the swap did not reach them), and the ids of the tests that
fail only with tfevents; it exits 1 if one of those is not in differences.txt (the
deliberate differences, each with the README's reason), or if a suite created none.

The tests come from the clients' published source distributions, downloaded into the
git-ignored ``.cache/clients/`` (``pip download --no-binary :all: --no-deps``) and run
from there against the installed package of the same version (``--import-mode=importlib``:
the source tree is not put on ``sys.path``). Packages an environment lacks (``Suite.site``)
are installed once into the cache with ``pip install --target``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("TFEVENTS_CLIENTS_CACHE", os.path.join(ROOT, ".cache", "clients"))
DIFFERENCES = os.path.join(HERE, "differences.txt")
ENVS = {"tf": ".venv-tf", "main": ".venv"}
RUN_TIMEOUT = 1800  # seconds for one pytest run

sys.path.insert(0, HERE)
from suites import BY_NAME, SUITES, Suite  # noqa: E402


@dataclass
class Result:
    suite: Suite
    original: dict[str, dict[str, str]]  # node id -> {"outcome", "message"}
    swapped: dict[str, dict[str, str]]
    created: int  # tfevents objects the swapped run created
    seconds: float

    @property
    def passing(self) -> list[str]:
        """The tests that count: those that pass with the original."""
        return sorted(t for t, r in self.original.items() if r["outcome"] == "passed")

    @property
    def passing_swapped(self) -> list[str]:
        return [t for t in self.passing if self.swapped.get(t, {}).get("outcome") == "passed"]

    @property
    def failing_swapped(self) -> list[str]:
        return [t for t in self.passing if self.swapped.get(t, {}).get("outcome") != "passed"]


def python(suite: Suite) -> str:
    return os.path.join(ROOT, ENVS[suite.env], "bin", "python")


def _pip(suite: Suite, *args: str) -> None:
    command = [python(suite), "-m", "pip", "-q", "--disable-pip-version-check", *args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")


def source_tree(suite: Suite) -> str:
    """The extracted source distribution of ``suite.sdist`` (downloaded once)."""
    name, version = suite.sdist.split("==")
    downloads = os.path.join(CACHE, "sdists")
    os.makedirs(downloads, exist_ok=True)
    normal = name.lower().replace("-", "_")

    def find() -> str | None:
        for file in os.listdir(downloads):
            if file.lower().replace("-", "_") == f"{normal}_{version}.tar.gz":
                return os.path.join(downloads, file)
        return None

    archive = find()
    if archive is None:
        _pip(suite, "download", "--no-binary", ":all:", "--no-deps", "-d", downloads, suite.sdist)
        archive = find()
        if archive is None:
            raise RuntimeError(f"pip download {suite.sdist} gave no .tar.gz in {downloads}")
    tree = os.path.join(CACHE, "src", f"{normal}-{version}")
    if not os.path.exists(os.path.join(tree, ".extracted")):
        with tarfile.open(archive) as tar:
            top = tar.getnames()[0].split("/")[0]
            tar.extractall(os.path.join(CACHE, "src"), filter="data")
        if top != os.path.basename(tree):
            os.replace(os.path.join(CACHE, "src", top), tree)
        open(os.path.join(tree, ".extracted"), "w").close()
    return tree


def site_folder(suite: Suite) -> str | None:
    """``suite.site`` installed (without their dependencies' dependencies) into the cache."""
    if not suite.site:
        return None
    folder = os.path.join(CACHE, "site", suite.env, "+".join(sorted(suite.site)).replace("==", "-"))
    if not os.path.exists(os.path.join(folder, ".installed")):
        started = time.monotonic()
        print(f"clients: installing {' '.join(suite.site)} into {folder}", file=sys.stderr)
        _pip(suite, "install", "--target", folder, "--no-deps" if len(suite.site) > 1 else "--upgrade",
             *suite.site)
        open(os.path.join(folder, ".installed"), "w").close()
        print(f"clients: installed in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return folder


def pytest_ini(tree: str) -> str:
    """The source distribution's own pytest configuration, or an empty one (never this
    repository's, which pytest would otherwise find above the cache)."""
    for name, section in (("pytest.ini", ""), ("pyproject.toml", "[tool.pytest.ini_options]"),
                          ("tox.ini", "[pytest]"), ("setup.cfg", "[tool:pytest]")):
        path = os.path.join(tree, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                if section in f.read():
                    return path
    empty = os.path.join(CACHE, "empty-pytest.ini")
    with open(empty, "w") as f:
        f.write("[pytest]\n")
    return empty


def run_pytest(suite: Suite, tree: str, site: str | None, swapped: bool) -> dict[str, Any]:
    label = "tfevents" if swapped else "original"
    results = os.path.join(CACHE, "results", f"{suite.name}-{label}.json")
    os.makedirs(os.path.dirname(results), exist_ok=True)
    if os.path.exists(results):
        os.remove(results)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TFEVENTS_", "PYTEST_"))}
    env.update(suite.variables)
    env.update(
        PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "src"), HERE]),
        TFEVENTS_SWAP=suite.swap if swapped else "",
        CLIENTS_RESULTS=results,
        CLIENTS_SITE=site or "",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    command = [
        python(suite), "-m", "pytest", "-p", "swap", "-p", "no:cacheprovider", "--import-mode=importlib", "--continue-on-collection-errors",
        "-c", pytest_ini(tree), "--rootdir", tree, "-q", "--tb=short", *suite.pytest_args, *suite.tests,
    ]
    log = os.path.join(CACHE, "results", f"{suite.name}-{label}.log")
    with open(log, "w") as out:
        subprocess.run(command, cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT)
    if not os.path.exists(results):
        raise RuntimeError(f"{suite.name} ({label}): pytest wrote no results; see {log}")
    with open(results, encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


def run_suite(suite: Suite) -> Result:
    """Both runs of one suite, side by side (they write to their own temporary folders)."""
    started = time.monotonic()
    tree, site = source_tree(suite), site_folder(suite)
    with ThreadPoolExecutor(2) as pool:
        original = pool.submit(run_pytest, suite, tree, site, False)
        swapped = pool.submit(run_pytest, suite, tree, site, True)
        theirs, ours = original.result(), swapped.result()
        return Result(suite, theirs["tests"], ours["tests"], ours["created"], time.monotonic() - started)


def read_differences(path: str = DIFFERENCES) -> dict[tuple[str, str], str]:
    """``suite | test id | reason`` lines; ``#`` starts a comment."""
    listed = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3 or not all(parts):
                raise ValueError(f"{path}:{number}: expected 'suite | test id | reason'")
            listed[(parts[0], parts[1])] = parts[2]
    return listed


def unexpected(result: Result, listed: dict[tuple[str, str], str]) -> list[str]:
    return [t for t in result.failing_swapped if (result.suite.name, t) not in listed]


def report(results: list[Result], listed: dict[tuple[str, str], str]) -> str:
    lines = [f"{'suite':<20}{'tests':>7}{'original':>10}{'tfevents':>10}{'created':>9}{'seconds':>9}"]
    for r in results:
        lines.append(f"{r.suite.name:<20}{len(r.original):>7}{len(r.passing):>10}"
                     f"{len(r.passing_swapped):>10}{r.created:>9}{r.seconds:>9.0f}")
    for r in results:
        for test in r.failing_swapped:
            reason = listed.get((r.suite.name, test))
            tag = f"listed: {reason}" if reason else "UNEXPECTED: " + r.swapped.get(test, {}).get(
                "message", "did not run").splitlines()[0][:300]
            lines.append(f"  {r.suite.name}: {test}\n      {tag}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suites", nargs="*", help=f"default: all ({', '.join(BY_NAME)})")
    parser.add_argument("--fast", action="store_true", help="only the suites the test suite runs")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    unknown = set(args.suites) - set(BY_NAME)
    if unknown:
        parser.error(f"unknown suites: {sorted(unknown)}")
    chosen = [BY_NAME[n] for n in args.suites] or [s for s in SUITES if s.fast or not args.fast]
    listed = read_differences()
    results = []
    for suite in chosen:
        results.append(run_suite(suite))
        print(report(results[-1:], listed).split("\n", 1)[1].split("\n")[0], file=sys.stderr, flush=True)
    print(report(results, listed))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({r.suite.name: {"tests": len(r.original), "original": len(r.passing),
                                      "tfevents": len(r.passing_swapped), "created": r.created,
                                      "fail_only_with_tfevents": r.failing_swapped} for r in results}, f, indent=1)
    return 1 if any(unexpected(r, listed) or not r.created for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())

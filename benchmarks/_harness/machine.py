"""The machine, the versions and the source a benchmark ran on, for its report."""

from __future__ import annotations

import datetime as _dt
import os
import platform
from collections.abc import Sequence
from importlib import metadata

from .paths import REPO_ROOT


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (OSError, AttributeError):
        return "n/a"


def machine_info() -> dict[str, str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": f"{os.cpu_count()} logical ({usable} usable by this process)",
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "numpy": package_version("numpy"),
        "tfevents": package_version("tfevents"),
        "tensorboardX": package_version("tensorboardX"),
        "crc32c": package_version("crc32c"),
        "torch": package_version("torch"),
        "tensorboard": package_version("tensorboard"),
        "protobuf": package_version("protobuf") + f" ({protobuf_backend()})",
        "source": git_state(),
    }


def git_state(paths: Sequence[str] = ("src",)) -> str:
    """The commit the benchmark ran on, and whether ``paths`` had uncommitted changes."""
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
            text=True, check=True, timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *paths], cwd=REPO_ROOT, capture_output=True,
            text=True, check=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    changed = len(dirty.splitlines())
    where = ", ".join(paths)
    if not changed:
        return f"commit {head}, {where} clean"
    import hashlib

    try:
        diff = subprocess.run(
            ["git", "diff", "HEAD", "--", *paths], cwd=REPO_ROOT, capture_output=True,
            check=True, timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        diff = b""
    digest = hashlib.sha256(diff).hexdigest()[:10]
    return (
        f"commit {head} plus uncommitted changes to {changed} file(s) under {where} "
        f"(sha256 of `git diff HEAD -- {where}`: {digest})"
    )


def protobuf_backend() -> str:
    try:
        from google.protobuf.internal import api_implementation

        return api_implementation.Type()
    except Exception:  # pragma: no cover - only informational
        return "unknown"

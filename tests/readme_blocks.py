"""The README's Python blocks, and running one as a reader would: a fresh interpreter in an
empty working directory (tests/test_readme.py, tests/tf_env/test_readme_tf.py).

Every fenced block whose info string is ``python`` is a block. HTML comments on the lines
just before the fence (one per line, blank lines between allowed) say how it is run:

- ``<!-- not run: REASON -->``: not run (the tests only compile it); the reason must say
  why, e.g. ``<!-- not run: needs a GPU -->``;
- ``<!-- run after the demo -->``: the demo writes ``runs/demo`` (20 steps) in the
  working directory first, for blocks that read the demo's logs;
- ``<!-- writes: PATH, PATH -->``: directories the block writes besides those its
  ``SummaryWriter("...")`` calls name (e.g. another library's logger's), each of which
  must then hold an event file somewhere below it.

A block that imports ``tensorflow`` runs in the TensorFlow venv (tests/tf_env/); every
other one in the main venv. After a block ran, the working directory must hold only what
the block meant to write: the run directories named by its ``SummaryWriter("...")`` calls,
each with an event file (and anything the demo wrote for it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(REPO, "README.md")
DEMO_LOGDIR = os.path.join("runs", "demo")
TIMEOUT = 300  # seconds a block may take: the torch graph trace takes a few on 2 cores

_FENCE = re.compile(r"^```(\S*)\s*$")
_MARKER = re.compile(r"^<!--\s*(.*?)\s*-->$")
_NOT_RUN = re.compile(r"^not run\s*:?\s*(.*)$", re.IGNORECASE)
_AFTER_DEMO = re.compile(r"^run after the demo$", re.IGNORECASE)
_WRITES = re.compile(r"^writes\s*:\s*(.+)$", re.IGNORECASE)
_WRITER_DIR = re.compile(r"""SummaryWriter\(\s*(?:log_dir\s*=\s*)?(["'])([^"']+)\1""")
_TENSORFLOW = re.compile(r"^\s*(?:import tensorflow|from tensorflow\b)", re.MULTILINE)


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    code: str
    markers: tuple[str, ...] = ()  # the comments before the fence, top to bottom

    @property
    def id(self) -> str:
        return f"README.md:{self.line}"

    @property
    def not_run_reason(self) -> str | None:
        """None if the block is run; else the reason given ("" if none was)."""
        for marker in self.markers:
            if match := _NOT_RUN.match(marker):
                return match.group(1).strip()
        return None

    @property
    def after_demo(self) -> bool:
        return any(_AFTER_DEMO.match(marker) for marker in self.markers)

    @property
    def unknown_markers(self) -> list[str]:
        known = (_NOT_RUN, _AFTER_DEMO, _WRITES)
        return [m for m in self.markers if not any(p.match(m) for p in known)]

    @property
    def needs_tensorflow(self) -> bool:
        return bool(_TENSORFLOW.search(self.code))

    @property
    def run_dirs(self) -> list[str]:
        """The run directories the block's SummaryWriter calls name, and those its
        ``writes:`` marker names, normalised."""
        named = {os.path.normpath(m.group(2)) for m in _WRITER_DIR.finditer(self.code)}
        for marker in self.markers:
            if match := _WRITES.match(marker):
                named |= {os.path.normpath(p.strip()) for p in match.group(1).split(",") if p.strip()}
        return sorted(named)


def blocks(path: str = README) -> list[Block]:
    """Every ```python block of ``path``, with the marker comment before it."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    found = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence is None:
            i += 1
            continue
        start, info = i, fence.group(1)
        i += 1
        while i < len(lines) and not _FENCE.match(lines[i]):
            i += 1
        if info == "python":
            markers: list[str] = []
            j = start - 1
            while j >= 0:
                comment = _MARKER.match(lines[j].strip())
                if comment:
                    markers.insert(0, comment.group(1))
                elif lines[j].strip():
                    break
                j -= 1
            found.append(Block(start + 1, "\n".join(lines[start + 1 : i]) + "\n", tuple(markers)))
        i += 1
    return found


def _files_under(root: str) -> list[str]:
    """Every file and directory under ``root``, relative to it (directories end in a /)."""
    found = []
    for d, dirs, names in os.walk(root):
        found += [os.path.relpath(os.path.join(d, name), root) + os.sep for name in dirs]
        found += [os.path.relpath(os.path.join(d, name), root) for name in names]
    return sorted(found)


def _belongs(entry: str, run_dir: str) -> bool:
    """Whether ``entry`` is in ``run_dir``, or a directory on the way to it."""
    return entry.startswith(run_dir + os.sep) or (
        entry.endswith(os.sep) and (run_dir + os.sep).startswith(entry)
    )


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(REPO, "src"), env.get("PYTHONPATH", "")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("JAX_PLATFORMS", "cpu")
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    return env


def run_demo(workdir: str) -> list[str]:
    """The demo's logs in ``workdir/runs/demo`` (short: blocks read them, not the story)."""
    demo = os.path.join(REPO, "examples", "demo", "run.py")
    done = subprocess.run(
        [sys.executable, demo, "--no-serve", "--steps", "20", "--logdir", DEMO_LOGDIR],
        cwd=workdir, env=_environment(), capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    return _files_under(workdir)


def run_block(block: Block, workdir: str) -> None:
    """Runs ``block`` in ``workdir`` and checks what it left there; AssertionError if wrong."""
    before = run_demo(workdir) if block.after_demo else []
    done = subprocess.run(
        [sys.executable, "-"], input=block.code, cwd=workdir, env=_environment(),
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert done.returncode == 0, (
        f"{block.id} failed (exit {done.returncode}):\n{block.code}\n--- stderr:\n{done.stderr[-4000:]}"
    )
    left = [f for f in _files_under(workdir) if f not in before]
    allowed = block.run_dirs
    unexpected = [f for f in left if not any(_belongs(f, d) for d in allowed)]
    assert not unexpected, (
        f"{block.id} left files it did not mean to (its runs: {allowed}): {unexpected}"
    )
    for run_dir in allowed:
        events = [f for f in left if f.startswith(run_dir + os.sep)
                  and "tfevents" in os.path.basename(f)]
        assert events, f"{block.id}: SummaryWriter({run_dir!r}) wrote no event file: {left}"
        for name in events:
            assert os.path.getsize(os.path.join(workdir, name)) > 0, name

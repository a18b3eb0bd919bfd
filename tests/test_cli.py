"""The ``tfevents`` command line: inspect, validate and export, through ``main([...])``
and as a process (``python -m tfevents`` and the ``tfevents`` console script).

Exports are parsed back and compared with what was logged, exactly.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import tfevents
from tfevents.cli import main
from tfevents.progress import Progress, human_bytes
from tfevents.reader import read_values

WALL = 1_700_000_000.5
LOSS = {"lr_0.1": [2.0, 0.1, 1 / 3, float("nan")], "lr_1": [2.0, 5.5, -1e30, float("inf")]}
HIST = np.array([0.5, 1.0, 1.0, 3.0])
SCRIPT = os.path.join(os.path.dirname(sys.executable), "tfevents")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tfevents", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Two runs with known values; wall times given, so that exports compare exactly."""
    root = str(tmp_path_factory.mktemp("cli"))
    for run, losses in LOSS.items():
        with tfevents.SummaryWriter(os.path.join(root, run)) as w:
            for step, loss in enumerate(losses):
                w.add_scalar("loss", loss, step, walltime=WALL + step)
            w.add_scalar("acc", 0.75, 10, walltime=WALL + 10)
            w.add_histogram("weights", HIST, 5, bins=2, walltime=WALL + 5)
            w.add_text("notes", f"run **{run}**", 0, walltime=WALL)
            w.add_image("img", np.zeros((4, 6, 3), dtype=np.uint8), 2, dataformats="HWC", walltime=WALL)
            w.add_pr_curve("pr", np.array([1, 0, 1]), np.array([0.9, 0.2, 0.6]), 3,
                           num_thresholds=3, walltime=WALL)
            graph = tfevents.Graph()
            graph.add_node("x", "Placeholder", output_shapes=[[1]])
            w.add_graph(graph)
    return root


def logged_rows() -> list[tuple[str, str, int, float, float]]:
    """(run, tag, step, wall_time, value) of every scalar, as stored: float32."""
    rows = []
    for run, losses in LOSS.items():
        rows += [(run, "loss", step, WALL + step, float(np.float32(v))) for step, v in enumerate(losses)]
        rows.append((run, "acc", 10, WALL + 10, 0.75))
    return rows


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def assert_rows_equal(got: list[tuple], expected: list[tuple]) -> None:
    key = lambda r: (r[0], r[1], r[2])  # noqa: E731
    got, expected = sorted(got, key=key), sorted(expected, key=key)
    assert [r[:4] for r in got] == [r[:4] for r in expected]
    assert all(same(g[4], e[4]) for g, e in zip(got, expected)), (got, expected)


# --- export ---------------------------------------------------------------------------------------


def test_export_csv_round_trip(logdir: str, tmp_path) -> None:
    out = tmp_path / "scalars.csv"
    assert main(["export", logdir, "--format", "csv", "-o", str(out)]) == 0
    with open(out, newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == ["run", "tag", "step", "wall_time", "value"]
        rows = [(r[0], r[1], int(r[2]), float(r[3]), float(r[4])) for r in reader]
    assert_rows_equal(rows, logged_rows())


def test_export_csv_to_stdout_as_a_process(logdir: str) -> None:
    result = run_cli("export", logdir, "--tag", "^loss$", "--run", "lr_1")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar: stderr is not a terminal
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["run", "tag", "step", "wall_time", "value"]
    got = [(r[0], r[1], int(r[2]), float(r[3]), float(r[4])) for r in rows[1:]]
    assert_rows_equal(got, [r for r in logged_rows() if r[0] == "lr_1" and r[1] == "loss"])
    assert rows[-1][4] == "inf"


def test_export_json_nested(logdir: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", logdir, "-f", "json", "-k", "scalar,histogram,text,pr_curve,image"]) == 0
    data = json.loads(capsys.readouterr().out)
    run = data["runs"]["lr_0.1"]
    assert run["loss"] == {
        "kind": "scalar", "steps": [0, 1, 2, 3], "wall_times": [WALL + s for s in range(4)],
        "values": [2.0, float(np.float32(0.1)), float(np.float32(1 / 3)), "NaN"],
    }
    assert data["runs"]["lr_1"]["loss"]["values"][3] == "Infinity"
    (table,) = run["weights"]["values"]
    assert table == [[0.5, 1.75, 3.0], [1.75, 3.0, 1.0]]  # [left, right, count] of 2 bins
    # add_text's default form (torch's): under notes/text_summary, a one-cell table
    assert run["notes/text_summary"]["values"] == [["run **lr_0.1**"]]
    (pr,) = run["pr"]["values"]
    assert pr["tp"] == [2.0, 2.0, 0.0] and pr["fp"] == [1.0, 0.0, 0.0]
    assert pr["precision"][:2] == [float(np.float32(2 / 3)), 1.0] and pr["recall"][:2] == [1.0, 1.0]
    assert run["img"]["values"] == [[{"height": 4, "width": 6, "channels": 3}]]


def test_export_json_records_and_jsonl(logdir: str, tmp_path) -> None:
    records_path, lines_path = tmp_path / "r.json", tmp_path / "r.jsonl"
    assert main(["export", logdir, "-f", "json", "--layout", "records", "-o", str(records_path)]) == 0
    assert main(["export", logdir, "-f", "jsonl", "-o", str(lines_path)]) == 0
    records = json.loads(records_path.read_text())
    lines = [json.loads(line) for line in lines_path.read_text().splitlines()]
    assert records == lines
    assert {r["kind"] for r in records} == {"scalar"}
    got = [(r["run"], r["tag"], r["step"], r["wall_time"],
            float("nan") if r["value"] == "NaN" else float(r["value"])) for r in records]
    assert_rows_equal(got, logged_rows())


def test_export_histogram_csv_rows(logdir: str, tmp_path) -> None:
    out = tmp_path / "h.csv"
    assert main(["export", logdir, "-k", "histogram", "-o", str(out), "--run", "lr_0.1"]) == 0
    rows = list(csv.reader(out.open(newline="")))
    assert rows[0] == ["run", "tag", "step", "wall_time", "left", "right", "count"]
    (datum,) = read_values(os.path.join(logdir, "lr_0.1"), kind="histogram")
    expected = [["lr_0.1", "weights", "5", repr(WALL + 5), *map(repr, row)] for row in datum.value.tolist()]
    assert rows[1:] == expected


def test_export_csv_rejects_other_kinds(logdir: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["export", logdir, "-k", "image"])
    assert info.value.code == 2
    assert "use --format json" in capsys.readouterr().err


# --- inspect ---------------------------------------------------------------------------------------


def test_inspect_table(logdir: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", logdir]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"{logdir}: 2 runs, 2 files, ")
    for run in LOSS:
        block = out.split(f"run {run}  (")[1].split("\nrun ")[0]
        rows = [line.split() for line in block.splitlines()[1:] if line.strip()]
        assert rows == [
            ["kind", "tag", "count", "steps"],
            ["scalar", "acc", "1", "10"],
            ["scalar", "loss", "4", "0..3"],
            ["histogram", "weights", "1", "5"],
            ["image", "img", "1", "2"],
            ["text", "notes/text_summary", "1", "0"],
            ["pr_curve", "pr", "1", "3"],
            ["graph", "(graph_def)", "1"],
        ]


def test_inspect_json_as_a_process(logdir: str) -> None:
    result = run_cli("inspect", logdir, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data["runs"]) == ["lr_0.1", "lr_1"] and data["errors"] == []
    run = data["runs"]["lr_1"]
    assert run["tags"]["loss"] == {"kind": "scalar", "plugin": "scalars", "count": 4,
                                   "first_step": 0, "last_step": 3}
    # a HistogramProto (the default form, torch's) names no plugin
    assert run["tags"]["weights"]["plugin"] == "" and run["graphs"] == 1
    assert run["first_wall_time"] == WALL and run["last_wall_time"] == WALL + 10  # of the values
    (file,) = run["files"]
    assert file["bytes"] == os.path.getsize(file["path"]) and file["events"] == run["events"]


def test_progress_bar_on_request(logdir: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", logdir, "--progress"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("\rinspect [") and err.endswith("\n")
    assert "100%" in err and "2/2 files" in err
    assert main(["inspect", logdir]) == 0
    assert capsys.readouterr().err == ""  # not a terminal, not asked for


def test_progress_render() -> None:
    stream = io.StringIO()
    bar = Progress(2_000_000, files=2, label="x", stream=stream)
    bar.advance_to(500_000)
    assert bar.render() == "x [######------------------]  25% 500.0 kB/2.0 MB 0/2 files"
    bar.file_done(1_000_000)
    bar.write("a warning")
    bar.close()
    bar.close()  # once
    text = stream.getvalue()
    assert text.startswith("\rx [######------------------]  25%")
    assert "a warning\n" in text and text.count("\n") == 2
    assert text.endswith("\rx [############------------]  50% 1.0 MB/2.0 MB 1/2 files\n")
    assert human_bytes(999) == "999 B" and human_bytes(1_234_567) == "1.2 MB"
    disabled = io.StringIO()
    quiet = Progress(10, stream=disabled, enabled=False)
    quiet.advance_to(5)
    quiet.close()
    assert disabled.getvalue() == ""


# --- damaged files, validate, errors -------------------------------------------------------------


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = str(tmp_path_factory.mktemp("damaged"))
    for run in ("good", "bad"):
        with tfevents.SummaryWriter(os.path.join(root, run)) as w:
            for step in range(3):
                w.add_scalar("x", float(step), step, walltime=WALL)
    (name,) = os.listdir(os.path.join(root, "bad"))
    path = os.path.join(root, "bad", name)
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[-6] ^= 0xFF  # the last record's data CRC fails
    with open(path, "wb") as f:
        f.write(bytes(data))
    return root


def test_validate_as_a_process(logdir: str, damaged: str) -> None:
    good = run_cli("validate", logdir, "-v")
    assert good.returncode == 0, good.stderr
    assert [line.split()[0] for line in good.stdout.splitlines()] == ["ok", "ok", "2"]
    assert good.stdout.splitlines()[-1].endswith(" 0 corrupt")
    bad = run_cli("validate", damaged)
    assert bad.returncode == 1
    (line, summary) = bad.stdout.splitlines()
    assert line.startswith("CORRUPT ") and "data CRC mismatch" in line
    assert "; 3 valid records before the damage at byte " in line  # the version and x at 0, 1
    assert summary == "2 files, 7 records, 1 corrupt"  # the good file's 4, the damaged one's 3


def test_inspect_and_export_read_up_to_damage(damaged: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", damaged]) == 1
    captured = capsys.readouterr()
    assert "data CRC mismatch" in captured.err and "tfevents validate" in captured.err
    assert "1 damaged file" in captured.out
    bad_block = captured.out.split("run bad  (")[1].split("\nrun ")[0]
    assert bad_block.splitlines()[2].split() == ["scalar", "x", "2", "0..1"]  # before the damage
    assert main(["export", damaged]) == 1
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))[1:]
    assert [(r[0], r[2], r[4]) for r in rows] == [
        ("bad", "0", "0.0"), ("bad", "1", "1.0"), ("good", "0", "0.0"), ("good", "1", "1.0"), ("good", "2", "2.0")
    ]


def test_no_event_files(tmp_path, logdir: str, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("inspect", "validate", "export"):
        assert main([command, str(tmp_path / "missing")]) == 2
        assert "no event files under" in capsys.readouterr().err
    assert main(["export", logdir, "--run", "^nope$"]) == 2
    assert "no run under" in capsys.readouterr().err


# --- the entry points ----------------------------------------------------------------


def test_console_script_and_help() -> None:
    result = subprocess.run([SCRIPT, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("inspect", "validate", "export"):
        assert command in result.stdout
    assert "demo" not in result.stdout  # the demo is ./scripts/demo.sh, not a command
    assert main.__module__ == "tfevents.cli"  # the console script's entry point, tfevents.cli:main
    export_help = run_cli("export", "--help")
    assert "run,tag,step,wall_time,value" in export_help.stdout

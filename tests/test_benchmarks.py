"""The benchmark runner (benchmarks/run_all.py) in quick mode: every part but read
(tests/test_bench_read.py runs that one) once, every writer's events read back and checked,
RESULTS.md written with the previous file's figures beside this run's and read back for
the next; the read-back checks do catch lost, torn, reordered or wrong data. The remote part
runs against the test suite's object-store servers; the hotpath part against 7014bc2's
tfevents, without callgrind (a minute per run: ``--callgrind`` runs it).

No timing is asserted anywhere: the numbers belong in benchmarks/RESULTS.md, not here.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace

import numpy as np
import pytest

import run_all
from bench import (
    hotpath,
    import_memory,
    jax_values,
    remote,
    report,
    runner,
    scalars,
    summaries,
    verify,
)

RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "RESULTS.md")
PARTS = "scalars,hotpath,summaries,import_memory,jax,remote,device"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """One quick run of every part but read, written over a copy of the real RESULTS.md."""
    tmp = tmp_path_factory.mktemp("quick")
    shutil.copy(RESULTS, tmp / "RESULTS.md")
    args = run_all.parse_args(["--quick", "--parts", PARTS, "--write-results", "--results", str(tmp / "RESULTS.md"), "--tmpdir", str(tmp)])
    results = run_all.run(args)
    text = run_all.report(args, results)
    return results["results"], text, tmp


def test_every_writer_ran_and_was_read_back(quick):
    parts, _, tmp = quick
    assert set(parts) == set(PARTS.split(","))
    res = parts["scalars"][1]
    for w in res["workloads"]:
        for key in scalars.WRITERS:
            (run,) = res["results"][w.key][key]
            assert run.events == w.calls
            if key != "noop":  # the file_version record and one per call
                assert run.bytes > 40 * w.calls and len(run.record_sizes) == w.calls + 1
    (runs,) = res["arrays"].values()
    assert [r.events for r in runs["tfevents"] + runs["floor"]] == [2000, 2000]
    res = parts["summaries"][1]
    for w in res["workloads"]:
        runs = res["results"][w.key]
        assert set(runs) == {"tfevents", "tensorboardX", "torch"} | ({"tfevents_tensor"} if w.forms_differ else set()) | (
            {"floor"} if w.floor else set())
        assert all(r.events == w.n for rs in runs.values() for r in rs)
        assert res["missing"][w.key] == ["tb_writer"]
    res = parts["import_memory"][1]
    assert import_memory._frameworks(res["modules"]["tfevents"]) == []
    assert [(r["writer"], r["n"], r["checked"]) for r in res["rss"]][1] == ("tfevents", 2000, "steps and values")
    assert [r["bytes"] > 40 * r["n"] for r in res["rss"]] == [True] * 3 and res["rss"][1]["steady"] > 40
    res = parts["device"][1]
    assert not res["on_gpu"] and [m[0] for m in res["models"]] == ["resnet18", "mlp"]
    for runs in res["results"].values():
        assert {v: rs[0][1] for v, rs in runs.items()} == {"none": 0, "torch": 24, "tensorboardX": 24, "tfevents": 24}
    res = parts["hotpath"][1]
    assert res["n"] == 2000 and res["commit"] == "7014bc2" and res["instructions"] is None
    assert [len(res["samples"][t]) for t in ("this", "base")] == [1, 1] and all(x[0] > 0 for x in res["samples"].values())
    res = parts["remote"][1]
    assert list(res["rows"]) == ["s3", "gcs", "azure"] and res["missing"] == {}
    for name, rows in res["rows"].items():
        by = {r["layout"]: r for r in rows}
        assert list(by) == remote.LAYOUTS[name] and by["segments"]["objects"] == 5 and by["segments"]["requests"] == 1.0
        assert by["growing"]["objects"] == 1 and all(r["load_s"] < remote.LOAD_LIMIT_S and r["scalars"] == 100 for r in rows)
    assert res["rows"]["s3"][2]["requests"] == 4.0 and res["rows"]["s3"][2]["ratio"] < remote.ONCE  # multipart copies past 5 MiB
    assert [p.name for p in tmp.iterdir()] == ["RESULTS.md"]  # every run's directory removed


def test_results_md_keeps_the_format_and_the_previous_figures(quick):
    _, text, tmp = quick
    assert (tmp / "RESULTS.md").read_text(encoding="utf-8") == text
    for heading in ("# tfevents benchmarks", "## Targets", "### (a) 2,000 add_scalar calls, one tag", "### (d) add_scalar_array",
                    "### add_histogram", "### add_image: 3x256x256", "### add_image: 512x512x3", "### add_pr_curve", "### add_text",
                    "## Import time", "## Peak memory", "## JAX and torch values logged without a sync", "### (e) torch",
                    "## Training steps with device-tensor scalars", "No GPU in this run", "## What the time goes to",
                    "### Before → after", "## Raw samples", "## The add_scalar hot path against 7014bc2",
                    "| store | layout | objects |"):
        assert heading in text, heading
    assert f"benchmarks/run_all.py --quick --parts {PARTS} --write-results" in text  # the command that reproduces it
    previous = report.load_previous(RESULTS)
    row = next(line for line in text.splitlines() if line.startswith("| (a) 2,000 add_scalar calls"))
    assert row.endswith(f"| {previous['metrics']['scalar_a']['value']:.2f}x |")  # the previous run's figure, by key
    assert f"- `import tfevents` in a fresh interpreter (median): {report.fmt(previous['metrics']['import']['value'])} ms →" in text
    figures = report.load_previous(str(tmp / "RESULTS.md"))  # what the next run compares with
    assert {"scalar_a", "scalar_b", "array_2000", "histogram", "image_chw", "image_hwc", "pr_curve", "text", "import", "rss_growth",
            "jax_running", "jax_train_step", "jax_tiny_step", "jax_computed", "torch_cpu_scalar", "hotpath_7014bc2",
            *(f"remote_{s}_{k}" for s in ("s3", "gcs", "azure") for k in ("objects", "bytes"))} == set(figures["metrics"])
    assert figures["metrics"]["scalar_a"]["value"] > 0 and figures["source"].startswith("commit ")


def test_the_previous_results_md_is_read_by_key():
    previous = report.load_previous(RESULTS)
    with open(RESULTS, encoding="utf-8") as f:
        targets = f.read().split("## Targets", 1)[1].split("*Previous run*", 1)[0]
    rows = [line for line in targets.splitlines() if line.startswith("| ") and not line.startswith(("| workload", "| :"))]
    assert previous["date"] and len(previous["metrics"]) == len(rows) > 20  # a figure per row of its Targets table
    assert report.load_previous(os.devnull) == {}


def test_parts_and_results_paths():
    assert run_all.parse_args([]).results == RESULTS
    assert run_all.parse_args(["--parts", "device"]).results.endswith(os.path.join("benchmarks", "results", "device.md"))
    with pytest.raises(SystemExit):
        run_all.parse_args(["--parts", "scalars,nope"])


def test_tensorboardx_uses_the_crc32c_c_package():
    assert scalars._crc()["tensorboardX"].startswith("crc32c C package")


# --- the read-back checks ------------------------------------------------------------------


def _tfevents_run(tmp_path):
    workload = scalars.workloads(True)[0]
    writer = runner.MAKERS["tfevents"](str(tmp_path))
    workload.drive(writer)
    writer.close()
    return workload, verify.event_files(str(tmp_path))[0]


def test_tensorboards_loader_agrees_with_the_read_back(tmp_path):
    """TensorBoard's own EventFileLoader, a second witness, reads what ours does."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    for key in ("tfevents", "tensorboardX", "torch", "tb_writer"):
        run = scalars.writer_run(key, scalars.workloads(True)[1], str(tmp_path))
        assert run.events == 1000
    _, path = _tfevents_run(tmp_path / "t")
    theirs = [(e.step, e.summary.value[0].tag) for e in EventFileLoader(path).Load() if e.HasField("summary")]
    assert theirs == [(e.step, e.summary.value[0].tag) for e in verify.read_log(str(tmp_path / "t")).events]


def test_check_catches_lost_torn_reordered_and_wrong_events(tmp_path):
    workload, path = _tfevents_run(tmp_path)
    log = verify.read_log(str(tmp_path))
    assert verify.check_scalars(log, workload.expected(), "tfevents") == workload.calls
    log.events[3], log.events[4] = log.events[4], log.events[3]
    with pytest.raises(verify.BenchmarkError, match="call order at index 3"):
        verify.check_scalars(log, workload.expected(), "tfevents")
    log = verify.read_log(str(tmp_path))
    log.events[7].summary.value[0].simple_value += 1.0
    with pytest.raises(verify.BenchmarkError, match="value at index 7"):
        verify.check_scalars(log, workload.expected(), "tfevents")
    with open(path, "r+b") as f:  # the last three whole records lost
        f.truncate(sum(log.record_sizes[:-3]))
    with pytest.raises(verify.BenchmarkError, match="LOST EVENTS"):
        verify.check_scalars(verify.read_log(str(tmp_path)), workload.expected(), "tfevents")
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 5)
    with pytest.raises(verify.BenchmarkError, match="truncated"):
        verify.read_log(str(tmp_path))
    with pytest.raises(verify.BenchmarkError, match="no event file"):
        verify.read_log(str(tmp_path / "empty"))


def test_check_catches_a_bad_crc(tmp_path):
    _, path = _tfevents_run(tmp_path)
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) - 6)  # inside the last record's payload
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(verify.BenchmarkError, match="bad data CRC"):
        verify.read_log(str(tmp_path))


def test_summary_checks_catch_wrong_data(tmp_path):
    wl = {w.key: replace(w, n=3) for w in summaries.WORKLOADS}
    for w in wl.values():
        summaries.make_inputs(w)

    def events(name, log):
        with runner.MAKERS["tfevents"](str(tmp_path / name)) as writer:
            log(writer)
        return verify.read_log(str(tmp_path / name)).events

    values = wl["histogram"].inputs["values"]
    with pytest.raises(verify.BenchmarkError, match="histogram counts"):
        summaries.check(wl["histogram"], "tfevents", False, events("h", lambda w: w.add_histogram("weights/histogram", values[:-1], 0)), 1)
    hwc = wl["image_hwc"].inputs["hwc"].copy()
    hwc[10, 10, 0] ^= 1
    with pytest.raises(verify.BenchmarkError, match="max difference 1"):
        summaries.check(wl["image_hwc"], "tfevents", False, events("i", lambda w: w.add_image("images/hwc_uint8", hwc, 0, dataformats="HWC")), 1)
    chw = events("c", wl["image_chw"].drive)
    summaries.check(wl["image_chw"], "tfevents", False, chw)
    summaries.check(wl["image_chw"], "tfevents", True, chw)  # the peers' rule: the same pixels
    pr = wl["pr_curve"].inputs
    with pytest.raises(verify.BenchmarkError, match="PR curve counts"):
        summaries.check(wl["pr_curve"], "tfevents", False,
                        events("p", lambda w: w.add_pr_curve("eval/pr_curve", pr["labels"], pr["predictions"][::-1], 0)), 1)
    texts = wl["text"].inputs["texts"]
    with pytest.raises(verify.BenchmarkError, match="text at step 1"):
        summaries.check(wl["text"], "tfevents", False, events("t", lambda w: [w.add_text("notes/text", t + "!" * i, i) for i, t in enumerate(texts)]))
    with pytest.raises(verify.BenchmarkError, match="LOST EVENTS"):
        summaries.check(wl["text"], "tfevents", False, events("l", lambda w: [w.add_text("notes/text", t, i) for i, t in enumerate(texts[:-1])]))


# --- import and memory children --------------------------------------------------------------


def test_children_import_the_parents_tfevents(tmp_path, monkeypatch):
    """The children start in other folders: a relative PYTHONPATH entry (``PYTHONPATH=src``)
    is made absolute, so that they import the tfevents this process does."""
    import tfevents

    src = os.path.dirname(os.path.dirname(tfevents.__file__))
    monkeypatch.chdir(os.path.dirname(src))
    monkeypatch.setenv("PYTHONPATH", os.path.basename(src))
    out = runner.child(["-c", "import tfevents; print(tfevents.__file__)"], str(tmp_path)).stdout.strip()
    assert out == tfevents.__file__


def test_rss_child_does_not_inherit_the_parents_peak(tmp_path):
    """ru_maxrss of a child forked from a big process starts at the parent's size on Linux;
    the memory children are started so that it does not."""
    ballast = bytearray(300 * 2**20)
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    row = import_memory.rss_once("tfevents", 0, str(tmp_path))
    del ballast
    assert row["peak"] < 250 and (row["hwm"] is None or abs(row["peak"] - row["hwm"]) < 20)


# --- verdicts come from the figures ------------------------------------------------------------


def _jax_figures(call_s, step_ratio, tiny_us, computed, torch):
    one = runner.Summary.of
    return {"a": {"call": one([call_s]), "compute": one([0.3]), "running": [True, True]},
            "b": {"samples": {"none": one([5e-3]), "tfevents": one([5e-3 * step_ratio]), "torch": one([6e-3]),
                              "tensorboardX": one([7e-3])}, "step_ms": 5.0},
            "c": {"samples": {"none": one([20e-6]), "tfevents": one([(20 + tiny_us) * 1e-6]), "float": one([100e-6])}},
            "d": {"calls": {"float": one([10e-6]), "tfevents": one([10e-6 * computed])}, "whole": one([10e-6 * computed])},
            "e": {"samples": {"tfevents tensor": one([3e-6 * torch]), "tfevents np.float32": one([3e-6])}}}


def test_jax_verdicts_follow_the_figures():
    met = jax_values.targets(_jax_figures(100e-6, 1.02, 10, 1.5, 2.0))
    assert [t.met for t in met] == [True] * 5
    assert [t.met for t in jax_values.targets(_jax_figures(2e-3, 1.08, 60, 2.5, 3.5))] == [False] * 5
    assert [t.key for t in met] == ["jax_running", "jax_train_step", "jax_tiny_step", "jax_computed", "torch_cpu_scalar"]
    assert np.isclose(met[1].value, 1.02)


def test_hotpath_verdict_follows_the_figures():
    """Met when this tree's median is not slower and, where counted, its instructions not more."""
    res = {"baseline": "7014bc2", "samples": {"this": [0.8e-6, 0.9e-6], "base": [1e-6, 1e-6]}, "instructions": None}
    (target,) = hotpath.targets(res)
    assert (target.key, target.met, target.higher_is_better) == ("hotpath_7014bc2", True, False) and np.isclose(target.value, 0.85)
    res["instructions"] = {"this": 8650.0, "base": 9000.0}
    assert hotpath.targets(res)[0].met and "8,650 vs 9,000 instructions/call" in hotpath.targets(res)[0].measured
    res["instructions"] = {"this": 9100.0, "base": 9000.0}
    assert not hotpath.targets(res)[0].met
    res["instructions"], res["samples"]["this"] = None, [1.1e-6]
    assert not hotpath.targets(res)[0].met

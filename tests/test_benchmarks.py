"""Smoke tests of the benchmarks (bench_scalars, bench_summaries, bench_import_memory,
bench_device, bench_jax, run_all): their quick modes run every writer and their read-back checks
pass, those checks do catch lost or wrong data, and tfevents' outputs agree with the peers'.

No timing is asserted anywhere: the numbers belong in benchmarks/RESULTS.md, not here.
"""

from __future__ import annotations

import importlib
import os
import sys

import numpy as np
import pytest

BENCH_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def _load(name: str):
    """A benchmark script (``bench_scalars``) or a module of its package (``_harness.errors``),
    imported as the scripts import each other: with benchmarks/ on sys.path."""
    if BENCH_DIR not in sys.path:
        sys.path.insert(0, BENCH_DIR)
    return importlib.import_module(name)


bench = _load("bench_scalars")
writers = _load("_harness.writers")
scalar_runs = _load("_harness.scalars.runs")
scalar_workloads = _load("_harness.scalars.workloads")
scalar_array = _load("_harness.scalars.array")
scalar_verdicts = _load("_harness.scalars.verdicts")
errors = _load("_harness.errors")
records = _load("_harness.records")
scalarlog = _load("_harness.scalarlog")


def test_tensorboardx_uses_the_crc32c_c_package():
    assert writers.tensorboardx_crc().startswith("crc32c C package")


def _quick_report(factory, name: str, run, *argv: str):
    """One part's quick run, shared by its own test and the combined report's (each part
    runs once per test module); its directory is returned to check that nothing is left."""
    tmp = factory.mktemp(name)
    return run([*argv, "--tmpdir", str(tmp)]), tmp


@pytest.fixture(scope="module")
def scalar_run(tmp_path_factory):
    return _quick_report(tmp_path_factory, "scalars", lambda a: bench.run(bench.parse_args(a)), "--quick", "--reps", "2")


def test_quick_run_checks_every_writer(scalar_run):
    report, tmp_path = scalar_run
    assert [w.key for w in report.workloads] == ["a", "b", "c"]
    # (d) add_scalar_array against the buffered-write floor
    assert list(report.array_results) == [2000]
    for key in ("tfevents", "floor"):
        runs = report.array_results[2000][key]
        assert len(runs) == 2 and all(r.events == 2000 for r in runs)
    assert list(report.array_profiles) == [2000]
    (verdict,) = scalar_verdicts.array_verdicts(report)
    assert verdict.n == 2000 and verdict.events_per_s > 0 and verdict.best_peer
    keys = {spec.key for spec in report.writers}
    assert keys == {"tfevents", "tensorboardX", "torch", "tb_writer", "noop"}
    for workload in report.workloads:
        for spec in report.writers:
            runs = report.results[workload.key][spec.key]
            assert len(runs) == 2
            for run in runs:
                assert run.events == workload.calls, (workload.key, spec.key)
                if spec.writes_files:
                    assert run.bytes_on_disk > 0
                    assert len(run.record_sizes) >= workload.calls + 1  # + file_version
    assert [p.calls for p in report.profiles] == [w.calls for w in report.workloads]
    assert all(p.caller_top for p in report.profiles)

    text = bench.render(report)
    for spec in report.writers:
        assert spec.label in text
    assert "--quick" in text
    assert "Where tfevents' time goes" in text
    assert "(d) add_scalar_array" in text
    assert [v.key for v in scalar_verdicts.scalar_verdicts(report)] == ["a", "b"]
    # the temporary run directories are removed
    assert os.listdir(tmp_path) == []


def test_main_writes_the_results_file(tmp_path, capsys):
    results = tmp_path / "out.md"
    code = bench.main(
        [
            "--quick", "--reps", "1", "--calls", "50", "--tags", "3", "--steps", "20",
            "--writers", "tfevents,tensorboardX", "--no-profile",
            "--write-results", "--results", str(results), "--tmpdir", str(tmp_path),
        ]
    )
    assert code == 0
    text = results.read_text(encoding="utf-8")
    assert "(a) 50 add_scalar calls" in text
    assert "(b) 3 tags x 20 steps" in text
    assert "(c) paced training loop: 20 steps" in text
    assert "speedup vs the best peer" in text
    assert text in capsys.readouterr().out


@pytest.mark.parametrize("writer", ["tfevents", "tensorboardX", "torch", "tb_writer"])
def test_tensorboard_loader_agrees(writer, tmp_path):
    """The same checks through TensorBoard's own EventFileLoader."""
    spec = next(s for s in writers.all_writers() if s.key == writer)
    for workload in scalar_workloads.make_workloads(300, 4, 50):
        result = scalar_runs.timed_run(spec, workload, str(tmp_path), loader="tensorboard")
        assert result.events == workload.calls


def _one_tfevents_run(tmp_path, calls=200):
    import tfevents

    workload = scalar_workloads.make_workloads(calls, 2, 10)[0]
    logdir = str(tmp_path / "run")
    writer = tfevents.SummaryWriter(logdir)
    workload.drive(writer)
    writer.close()
    (path,) = records.event_files(logdir)
    return workload, logdir, path


def test_check_passes_on_an_intact_file(tmp_path):
    workload, logdir, _ = _one_tfevents_run(tmp_path)
    log = scalarlog.read_scalar_log(logdir)
    scalarlog.check_scalars(log, workload.expected(), who="tfevents")
    assert log.scalar_events == workload.calls


def test_check_catches_lost_events(tmp_path):
    workload, logdir, path = _one_tfevents_run(tmp_path)
    sizes = scalarlog.read_scalar_log(logdir).record_sizes
    with open(path, "r+b") as f:  # drop the last three whole records
        f.truncate(sum(sizes[:-3]))
    log = scalarlog.read_scalar_log(logdir)
    with pytest.raises(errors.BenchmarkError, match="LOST EVENTS"):
        scalarlog.check_scalars(log, workload.expected(), who="tfevents")


def test_check_catches_a_torn_record(tmp_path):
    _, logdir, path = _one_tfevents_run(tmp_path)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 5)
    with pytest.raises(errors.BenchmarkError, match="truncated"):
        scalarlog.read_scalar_log(logdir)


def test_check_catches_a_bad_crc(tmp_path):
    _, logdir, path = _one_tfevents_run(tmp_path)
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) - 6)  # inside the last record's payload
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(errors.BenchmarkError, match="CRC"):
        scalarlog.read_scalar_log(logdir)


def test_check_catches_wrong_order_and_values(tmp_path):
    workload, logdir, _ = _one_tfevents_run(tmp_path)
    log = scalarlog.read_scalar_log(logdir)
    (tag,) = workload.tags
    log.steps[tag][3], log.steps[tag][4] = log.steps[tag][4], log.steps[tag][3]
    with pytest.raises(errors.BenchmarkError, match="call order"):
        scalarlog.check_scalars(log, workload.expected(), who="tfevents")
    log = scalarlog.read_scalar_log(logdir)
    log.values[tag][7] += 1.0
    with pytest.raises(errors.BenchmarkError, match="value at index 7"):
        scalarlog.check_scalars(log, workload.expected(), who="tfevents")


def test_no_event_file_is_an_error(tmp_path):
    with pytest.raises(errors.BenchmarkError, match="no event file"):
        scalarlog.read_scalar_log(str(tmp_path))


# --- add_scalar_array ------------------------------------------------------------------------


def test_array_runs_are_checked(tmp_path):
    for entrant in scalar_array.ARRAY_ENTRANTS:
        result = scalar_array.array_timed_run(entrant, 700, str(tmp_path))
        assert result.events == 700
        assert result.bytes_on_disk > 0
    assert os.listdir(tmp_path) == []


# --- bench_summaries ---------------------------------------------------------------------------

summaries = _load("bench_summaries")
summary_workloads = _load("_harness.summaries.workloads")
summary_readback = _load("_harness.summaries.readback")
summary_verdicts = _load("_harness.summaries.verdicts")


def _one_call_workloads():
    return summary_workloads.make_workloads({k: 1 for k in summary_workloads.DEFAULT_CALLS} | {"text": 3})


def test_summary_outputs_agree_across_writers(tmp_path):
    """tfevents and the peers, given the same inputs, write the same histogram buckets,
    totals, min and max, the same pixels (uint8 exactly; float within one level: tfevents
    rounds, the peers truncate), the same PR curve, the same text."""
    specs = writers.select_writers("tfevents,tensorboardX,torch", noop=False)
    for workload in _one_call_workloads():
        outputs = {}
        for spec in specs:
            logdir = str(tmp_path / f"{spec.key}-{workload.key}")
            writer = spec.make(logdir)
            workload.drive(writer)
            writer.close()
            events, _, _ = records.read_events(logdir)
            workload.check(spec.label, spec.key != "tfevents", events)  # against the inputs
            outputs[spec.key] = summary_readback.decoded(workload.key, events, workload.calls, spec.label)
        ours = outputs.pop("tfevents")
        for peer, theirs in outputs.items():
            assert len(theirs) == len(ours) == workload.calls
            for a, b in zip(ours, theirs):
                if workload.key == "histogram":
                    # tfevents' edges are TensorFlow's moved to float32 bit boundaries
                    # (each counted exactly by workload.check): only values between an
                    # edge and its moved copy change bucket, each changing two counts.
                    assert a[0].size == b[0].size
                    moved = _values_between_moved_edges(workload.inputs["values"])
                    assert 0 < np.abs(a[0] - b[0]).sum() <= 2 * moved
                    assert a[1:] == b[1:] == (1_000_000.0, *a[2:])
                elif workload.key == "image_hwc":
                    np.testing.assert_array_equal(a, b)
                elif workload.key == "image_chw":
                    assert a.shape == b.shape == (256, 256, 3)
                    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1, peer
                elif workload.key == "pr_curve":
                    np.testing.assert_array_equal(a[:4], b[:4])
                    np.testing.assert_allclose(a[4:], b[4:], rtol=1e-6)
                else:
                    assert a == b


def _values_between_moved_edges(values: np.ndarray) -> int:
    from tfevents.summaries import histogram

    magnitudes = np.sort(np.abs(values.astype(np.float64)))
    theirs, ours = histogram._tensorflow_magnitude_edges(), histogram.MAGNITUDE_EDGES
    low, high = np.minimum(theirs, ours), np.maximum(theirs, ours)
    inside = np.searchsorted(magnitudes, high, "right") - np.searchsorted(magnitudes, low, "left")
    return int(inside.sum())


def _tfevents_events(tmp_path, name, log):
    import tfevents

    logdir = str(tmp_path / name)
    with tfevents.SummaryWriter(logdir) as writer:
        log(writer)
    return records.read_events(logdir)[0]


def test_summary_checks_catch_wrong_data(tmp_path):
    wl = {w.key: w for w in _one_call_workloads()}
    # a histogram of other values
    events = _tfevents_events(tmp_path, "h", lambda w: w.add_histogram("weights/histogram", wl["histogram"].inputs["values"][:-1], 0))
    with pytest.raises(errors.BenchmarkError, match="histogram counts"):
        wl["histogram"].check("tfevents", False, events)
    # an image one pixel off
    hwc = wl["image_hwc"].inputs["hwc"].copy()
    hwc[10, 10, 0] ^= 1
    events = _tfevents_events(tmp_path, "i", lambda w: w.add_image("images/hwc_uint8", hwc, 0, dataformats="HWC"))
    with pytest.raises(errors.BenchmarkError, match="max difference 1"):
        wl["image_hwc"].check("tfevents", False, events)
    # a float image checked against the other rounding rule
    events = _tfevents_events(tmp_path, "c", lambda w: wl["image_chw"].drive(w))
    with pytest.raises(errors.BenchmarkError, match="decoded image differs"):
        wl["image_chw"].check("tfevents", True, events)
    # a PR curve of other predictions
    labels, predictions = wl["pr_curve"].inputs["labels"], wl["pr_curve"].inputs["predictions"]
    events = _tfevents_events(tmp_path, "p", lambda w: w.add_pr_curve("eval/pr_curve", labels, predictions[::-1], 0))
    with pytest.raises(errors.BenchmarkError, match="PR curve counts"):
        wl["pr_curve"].check("tfevents", False, events)
    # text: a changed string, and a lost call
    texts = wl["text"].inputs["texts"]
    events = _tfevents_events(tmp_path, "t", lambda w: [w.add_text("notes/text", t + ("!" if i == 1 else ""), i) for i, t in enumerate(texts)])
    with pytest.raises(errors.BenchmarkError, match="text at step 1"):
        wl["text"].check("tfevents", False, events)
    events = _tfevents_events(tmp_path, "l", lambda w: [w.add_text("notes/text", t, i) for i, t in enumerate(texts[:-1])])
    with pytest.raises(errors.BenchmarkError, match="LOST EVENTS"):
        wl["text"].check("tfevents", False, events)


@pytest.fixture(scope="module")
def summary_run(tmp_path_factory):
    return _quick_report(tmp_path_factory, "summaries", lambda a: summaries.run(summaries.parse_args(a)),
                         "--quick", "--calls", "text=20")


def test_summaries_quick_run(summary_run):
    report, tmp_path = summary_run
    assert [w.key for w in report.workloads] == ["histogram", "image_chw", "image_hwc", "pr_curve", "text"]
    for workload in report.workloads:
        runs = report.results[workload.key]
        assert set(runs) >= {"tfevents", "tensorboardX", "torch"}
        assert ("floor" in runs) == (workload.key != "text")
        for key, rs in runs.items():
            assert len(rs) == 1 and rs[0].events == workload.calls, (workload.key, key)
        # tensorboard.summary.Writer has no such method: listed, not run
        assert any("tensorboard.summary.Writer" in m for m in report.missing[workload.key])
        assert report.profiles[workload.key].caller_top
    assert {v.workload for v in summary_verdicts.verdicts(report)} == {w.key for w in report.workloads}
    text = summaries.render(report)
    assert "add_histogram: 1,000,000 float32 values" in text and "Where tfevents' time goes" in text
    assert os.listdir(tmp_path) == []


# --- bench_import_memory -----------------------------------------------------------------------

imports = _load("bench_import_memory")
import_times = _load("_harness.import_memory.imports")
import_rss = _load("_harness.import_memory.rss")
import_verdicts = _load("_harness.import_memory.verdicts")


def test_parse_importtime():
    sample = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       120 |        120 |   _io\n"
        "import time:      1057 |     145691 | tfevents\n"
        "not an importtime line\n"
    )
    assert import_times.parse_importtime(sample) == [("_io", 120, 120, 1), ("tfevents", 1057, 145691, 0)]


@pytest.fixture(scope="module")
def import_run(tmp_path_factory):
    return _quick_report(tmp_path_factory, "imports", lambda a: imports.run(imports.parse_args(a)),
                         "--quick", "--runs", "1", "--rss-counts", "0,500", "--bytes-count", "500")


def test_import_memory_quick_run(import_run):
    report, tmp_path = import_run
    assert set(report.imports) == {"tfevents", "numpy", "nothing"}
    tf = report.imports["tfevents"]
    assert "tfevents" in tf.modules and "numpy" in tf.modules
    assert import_times.framework_modules(tf.modules) == []
    assert import_times.framework_modules(["torch.nn", "numpy", "google.protobuf"]) == ["google", "torch"]
    assert any(row[0] == "tfevents" for row in report.breakdown)
    assert [(r.writer, r.n) for r in report.rss] == [("tfevents", 0), ("tfevents", 500)]
    assert report.rss[1].bytes_on_disk > 500 * 40
    v = import_verdicts.verdicts(report)
    assert v.rss_growth_mb_per_million is None  # one non-zero count: no growth to speak of
    assert v.frameworks == []
    text = imports.render(report)
    assert "`import tfevents`" in text and "Peak memory" in text
    assert os.listdir(tmp_path) == []


def test_children_import_the_parents_tfevents(tmp_path, monkeypatch):
    """The import and memory children start in other folders: a relative PYTHONPATH entry
    (``PYTHONPATH=src``) is made absolute, so they import the tfevents this process does."""
    children = _load("_harness.import_memory.children")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["src", "/opt/abs", ""]))
    env = children.child_env()
    assert env["PYTHONPATH"].split(os.pathsep) == [str(tmp_path / "src"), "/opt/abs", ""]
    monkeypatch.delenv("PYTHONPATH")
    assert "PYTHONPATH" not in children.child_env()


def test_rss_child_does_not_inherit_the_parents_peak(tmp_path):
    """ru_maxrss of a child forked from a big process starts at the parent's size on Linux;
    the benchmark's children are started so that it does not."""
    ballast = bytearray(300 * 2**20)
    ballast[:: 4096] = b"\x01" * len(ballast[:: 4096])
    result = import_rss.rss_once("tfevents", 0, str(tmp_path))
    del ballast
    assert result.peak_mb < 250
    if result.hwm_mb is not None:
        assert abs(result.peak_mb - result.hwm_mb) < 20


# --- bench_device ------------------------------------------------------------------------------

device = _load("bench_device")
device_training = _load("_harness.device.training")


@pytest.fixture(scope="module")
def device_run(tmp_path_factory):
    return _quick_report(tmp_path_factory, "device", lambda a: device.run(device.parse_args(a)),
                         "--device", "cpu", "--quick", "--steps", "2")


def test_device_benchmark_cpu_smoke(tmp_path, capsys, monkeypatch, device_run):
    report, _ = device_run
    assert [m.key for m in report.models] == ["resnet18", "mlp"]
    for spec in report.models:
        runs = report.results[spec.key]
        assert set(runs) == set(device_training.VARIANTS)
        for variant, rs in runs.items():
            assert rs[0].events == (0 if variant == "none" else 2 * len(device_training.METRICS))
    monkeypatch.setattr(device, "run", lambda args: report)  # main's own logic, on that run
    results = tmp_path / "device.md"
    assert device.main(["--device", "cpu", "--write-results", "--results", str(results)]) == 0
    assert not results.exists()  # CPU runs record nothing
    out, err = capsys.readouterr()
    assert "ResNet-18-like" in out and "MLP" in out  # the report, on stdout
    assert "no GPU: nothing recorded" in err


# --- run_all -----------------------------------------------------------------------------------

run_all = _load("run_all")


def test_run_all_writes_its_parts(tmp_path, capsys):
    """main: the parts not skipped run (here jax and read, the two no other test runs
    whole), RESULTS.md is written with the command, and the previous file's figures are
    compared."""
    results = tmp_path / "RESULTS.md"
    results.write_text(
        "- Date: 2026-01-01 00:00 UTC; the whole run took 1 s.\n- tfevents source: commit abc.\n"
        "tfevents' speedup vs the best peer (x, 30 µs/call whole run): **14.9x**.\n",
        encoding="utf-8",
    )
    # the scalar-only report bench_scalars.py used to write: its speedup line is its figure
    assert run_all.load_previous(str(results))["metrics"] == {"scalar_a": {"value": 14.9, "unit": "x"}}
    code = run_all.main([
        "--tiny", "--reps", "1", "--skip", "scalars,summaries,import_memory,device", "--write-results",
        "--results", str(results), "--tmpdir", str(tmp_path),
    ])
    assert code == 0
    text = results.read_text(encoding="utf-8")
    for heading in (
        "## Targets", "## JAX and torch values logged without a sync", "### (c) a tiny jitted step",
        "## Reading back (`bench_read.py`)", "### Histograms (", "vs tbparse: torch.utils.tensorboard",
        "## What the time goes to", "### Before → after",
    ):
        assert heading in text, heading
    for skipped in ("## add_scalar and add_scalar_array", "## Import time", "## Training steps"):
        assert skipped not in text, skipped
    assert "--skip scalars,summaries,import_memory,device" in text  # the command that reproduces it
    previous = run_all.load_previous(str(results))
    assert {"jax_running", "jax_train_step", "jax_tiny_step", "jax_computed", "torch_cpu_scalar",
            "read_vs_tbparse_torch_1000"} <= set(previous["metrics"])
    assert text in capsys.readouterr().out
    assert [p for p in os.listdir(tmp_path) if p != "RESULTS.md"] == []


AllReport = _load("_harness.combined.allreport").AllReport
combined = _load("_harness.combined.report")


def test_combined_report_has_every_part(tmp_path, scalar_run, summary_run, import_run, device_run):
    """The combined RESULTS.md of the other parts' quick runs: their sections, their
    targets, the previous run's figures beside them, the JSON for the next run."""
    report = AllReport(["--quick"], 1, True, scalars=scalar_run[0], summaries=summary_run[0],
                       imports=import_run[0], device=device_run[0], machine=_load("_harness.machine").machine_info(),
                       part_wall_s={"scalars": 1.0}, part_load={"scalars": ("0", "0")})
    report.previous = {"date": "2026-01-01", "source": "commit abc",
                       "metrics": {"scalar_a": {"value": 14.9, "unit": "x"}}}
    text = combined.render(report)
    for heading in (
        "## Targets", "### (a) 2,000 add_scalar calls", "### (d) add_scalar_array", "### add_histogram",
        "### add_image: 3x256x256", "### add_image: 512x512x3", "### add_pr_curve", "### add_text",
        "## Import time", "## Peak memory", "## Training steps with device-tensor scalars",
        "No GPU in this run", "### Before → after",
    ):
        assert heading in text, heading
    assert "14.90x →" in text
    (tmp_path / "RESULTS.md").write_text(text, encoding="utf-8")
    figures = run_all.load_previous(str(tmp_path / "RESULTS.md"))  # what the next run compares with
    assert {"scalar_a", "scalar_b", "array_2000", "histogram", "image_chw", "image_hwc", "pr_curve",
            "text", "import"} <= set(figures["metrics"])
    assert figures["metrics"]["scalar_a"]["value"] > 0


# --- bench_jax's verdicts --------------------------------------------------------------------

jax_report = _load("_harness.jax.report")
Summary = _load("_harness.stats").Summary


def _jax_figures(call_s: float, step_ratio: float, tiny_us: float, computed: float, torch: float):
    one = Summary.of
    return {
        "a": {"call": one([call_s]), "compute": one([0.3]), "running": [True, True], "shape": ""},
        "b": {"samples": {"none": one([5e-3]), "tfevents": one([5e-3 * step_ratio]), "torch": one([6e-3]),
                          "tensorboardX": one([7e-3])}, "step_ms": 5.0, "width": 8, "steps": 1},
        "c": {"samples": {"none": one([20e-6]), "tfevents": one([(20 + tiny_us) * 1e-6]),
                          "float": one([100e-6])}, "steps": 1},
        "d": {"calls": {"float": one([10e-6]), "tfevents": one([10e-6 * computed])},
              "wholes": {"tfevents": one([10e-6 * computed])}, "n": 1},
        "e": {"samples": {("tfevents", "tensor"): one([3e-6 * torch]), ("tfevents", "np.float32"): one([3e-6])}, "n": 1},
    }


def test_jax_verdicts_follow_the_figures():
    met = jax_report.verdicts(_jax_figures(100e-6, 1.02, 10, 1.5, 2.0))
    assert [v.met for v in met] == [True, True, True, True, True]
    missed = jax_report.verdicts(_jax_figures(2e-3, 1.08, 60, 2.5, 3.5))
    assert [v.met for v in missed] == [False, False, False, False, False]
    assert [v.key for v in met] == ["jax_running", "jax_train_step", "jax_tiny_step", "jax_computed",
                                    "torch_cpu_scalar"]

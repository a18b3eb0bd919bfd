"""Smoke test of benchmarks/bench_scalars.py: its quick mode runs every writer and its
read-back checks pass, and those checks do catch lost or corrupt events.

No timing is asserted anywhere: the numbers belong in benchmarks/RESULTS.md, not here.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

BENCH_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def _load(name: str):
    if BENCH_DIR not in sys.path:
        sys.path.insert(0, BENCH_DIR)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, os.path.join(BENCH_DIR, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bench = _load("bench_scalars")
harness = _load("_harness")


def test_tensorboardx_uses_the_crc32c_c_package():
    assert bench.tensorboardx_crc().startswith("crc32c C package")


def test_quick_run_checks_every_writer(tmp_path):
    args = bench.parse_args(
        ["--quick", "--reps", "2", "--tmpdir", str(tmp_path)]
    )
    report = bench.run(args)
    assert [w.key for w in report.workloads] == ["a", "b", "c"]
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
    spec = next(s for s in bench.all_writers() if s.key == writer)
    for workload in bench.make_workloads(300, 4, 50):
        result = bench.timed_run(spec, workload, str(tmp_path), loader="tensorboard")
        assert result.events == workload.calls


def _one_tfevents_run(tmp_path, calls=200):
    import tfevents

    workload = bench.make_workloads(calls, 2, 10)[0]
    logdir = str(tmp_path / "run")
    writer = tfevents.SummaryWriter(logdir)
    workload.drive(writer)
    writer.close()
    (path,) = harness.event_files(logdir)
    return workload, logdir, path


def test_check_passes_on_an_intact_file(tmp_path):
    workload, logdir, _ = _one_tfevents_run(tmp_path)
    log = harness.read_scalar_log(logdir)
    harness.check_scalars(log, workload.expected(), who="tfevents")
    assert log.scalar_events == workload.calls


def test_check_catches_lost_events(tmp_path):
    workload, logdir, path = _one_tfevents_run(tmp_path)
    sizes = harness.read_scalar_log(logdir).record_sizes
    with open(path, "r+b") as f:  # drop the last three whole records
        f.truncate(sum(sizes[:-3]))
    log = harness.read_scalar_log(logdir)
    with pytest.raises(harness.BenchmarkError, match="LOST EVENTS"):
        harness.check_scalars(log, workload.expected(), who="tfevents")


def test_check_catches_a_torn_record(tmp_path):
    _, logdir, path = _one_tfevents_run(tmp_path)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 5)
    with pytest.raises(harness.BenchmarkError, match="truncated"):
        harness.read_scalar_log(logdir)


def test_check_catches_a_bad_crc(tmp_path):
    _, logdir, path = _one_tfevents_run(tmp_path)
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) - 6)  # inside the last record's payload
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(harness.BenchmarkError, match="CRC"):
        harness.read_scalar_log(logdir)


def test_check_catches_wrong_order_and_values(tmp_path):
    workload, logdir, _ = _one_tfevents_run(tmp_path)
    log = harness.read_scalar_log(logdir)
    (tag,) = workload.tags
    log.steps[tag][3], log.steps[tag][4] = log.steps[tag][4], log.steps[tag][3]
    with pytest.raises(harness.BenchmarkError, match="call order"):
        harness.check_scalars(log, workload.expected(), who="tfevents")
    log = harness.read_scalar_log(logdir)
    log.values[tag][7] += 1.0
    with pytest.raises(harness.BenchmarkError, match="value at index 7"):
        harness.check_scalars(log, workload.expected(), who="tfevents")


def test_no_event_file_is_an_error(tmp_path):
    with pytest.raises(harness.BenchmarkError, match="no event file"):
        harness.read_scalar_log(str(tmp_path))

"""Histograms, PR curves and tensor scalars decoded as columns (``read_histograms``,
``read_pr_curves``; TensorFlow-style tensor scalars in ``read_scalars``).

Every value is checked against TensorBoard's own parse of the same record
(``RawEventFileLoader`` + ``event_pb2``, legacy values through ``data_compat``, tensors
through ``tensor_util.make_ndarray``), for files from tfevents (both forms), torch and
tensorboardX, with enough records of each tag that the column path reads them.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
import tensorboardX
from tensorboard import data_compat
from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
from tensorboard.compat.proto import event_pb2
from tensorboard.util import tensor_util
from torch.utils.tensorboard import SummaryWriter as TorchWriter

import tfevents
from tfevents.errors import DamagedFileWarning
from tfevents.reader import event_files, read_histograms, read_pr_curves, read_scalars, read_values

STEPS = 150  # past 127: steps of one and two varint bytes


def log(writer, rng: np.random.Generator, empty_last: bool = False) -> None:
    for step in range(STEPS):
        writer.add_histogram("h/normal", rng.normal(size=64), step)
        writer.add_histogram("h/wide_tag_name", rng.normal(size=20) * step, step)
        if step % 3 == 0:
            writer.add_pr_curve("pr", rng.integers(0, 2, 30), rng.random(30), step, num_thresholds=11)
        writer.add_scalar("loss", 1.0 / (step + 1), step)
    if empty_last:  # (torch and tensorboardX refuse one)
        writer.add_histogram("h/normal", np.zeros(0), STEPS)
    writer.close()


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("arrays")
    rng = np.random.default_rng(3)
    log(tfevents.SummaryWriter(str(root / "tensor_form"), legacy_forms=False), rng, True)
    log(tfevents.SummaryWriter(str(root / "legacy_form"), legacy_forms=True), rng, True)
    log(TorchWriter(str(root / "torch")), rng)
    log(tensorboardX.SummaryWriter(str(root / "tensorboardx")), rng)
    return str(root)


def tensorboard_values(logdir: str, plugin: str) -> dict[str, dict[str, list[tuple[int, float, np.ndarray]]]]:
    """TensorBoard's own parse: {run: {tag: [(step, wall_time, array)]}} of one plugin."""
    out: dict[str, dict[str, list]] = {}
    for run, paths in event_files(logdir).items():
        plugins: dict[str, str] = {}
        for path in paths:
            for record in RawEventFileLoader(path).Load():
                event = event_pb2.Event.FromString(record)
                for value in event.summary.value:
                    migrated = data_compat.migrate_value(value)
                    if migrated.metadata.plugin_data.plugin_name:
                        plugins[value.tag] = migrated.metadata.plugin_data.plugin_name
                    if plugins.get(value.tag) == plugin:
                        array = tensor_util.make_ndarray(migrated.tensor)
                        out.setdefault(run, {}).setdefault(value.tag, []).append(
                            (event.step, event.wall_time, array))
    return out


@pytest.mark.parametrize(("reader", "plugin"), [(read_histograms, "histograms"), (read_pr_curves, "pr_curves")])
def test_columns_equal_tensorboards_parse(logdir: str, reader, plugin: str) -> None:
    expected = tensorboard_values(logdir, plugin)
    got = reader(logdir)
    assert set(got) == set(expected) == {"tensor_form", "legacy_form", "torch", "tensorboardx"}
    for run, tags in expected.items():
        assert set(got[run]) == set(tags), run
        for tag, points in tags.items():
            series = got[run][tag]
            assert series.steps.tolist() == [p[0] for p in points], (run, tag)
            assert series.wall_times.tolist() == [p[1] for p in points], (run, tag)
            assert series.steps.dtype == np.int64 and series.rows.dtype == np.float64
            for i, (_, _, array) in enumerate(points):
                # (TensorBoard converts a legacy HistogramProto to float32: its exact rounding)
                np.testing.assert_array_equal(series[i].astype(array.dtype), array, err_msg=f"{run} {tag} {i}")
            assert series.offsets[-1] == series.rows.shape[0] == sum(len(series[i].reshape(-1)) // (
                3 if plugin == "histograms" else 6) for i in range(len(series)))
    if plugin == "histograms":  # the empty histograms: no bucket in the legacy form
        assert got["legacy_form"]["h/normal"][STEPS].shape == (0, 3)
        assert got["tensor_form"]["h/normal"].steps[-1] == STEPS


def test_columns_equal_read_values(logdir: str) -> None:
    for kind, reader in (("histogram", read_histograms), ("pr_curve", read_pr_curves)):
        got = reader(logdir, run=["torch", "tensor_form"], tag="h/normal" if kind == "histogram" else None)
        data = [d for d in read_values(logdir, kind=kind, run=["torch", "tensor_form"])
                if kind != "histogram" or d.tag == "h/normal"]
        assert sum(len(s) for tags in got.values() for s in tags.values()) == len(data)
        counters: dict[tuple[str, str], int] = {}
        for d in data:
            i = counters.setdefault((d.run, d.tag), 0)
            counters[d.run, d.tag] += 1
            series = got[d.run][d.tag]
            assert (series.steps[i], series.wall_times[i]) == (d.step, d.wall_time)
            np.testing.assert_array_equal(series[i], np.asarray(d.value, dtype=np.float64))


def test_tensor_scalars_read_as_columns(tmp_path) -> None:
    """new_style scalars (rank-0 tensors, TensorFlow's form) go through the array columns."""
    with tfevents.SummaryWriter(str(tmp_path)) as w:
        for step in range(300):
            w.add_scalar("tensor_loss", step / 7, step, new_style=True)
            w.add_scalar("plain", -step, step)
    series = read_scalars(str(tmp_path))["."]
    assert series["tensor_loss"].steps.tolist() == list(range(300))
    assert series["tensor_loss"].values.tolist() == [float(np.float32(s / 7)) for s in range(300)]
    assert series["plain"].values.tolist() == [-float(s) for s in range(300)]
    values = [d.value for d in read_values(str(tmp_path), tag="tensor_loss")]
    assert values == series["tensor_loss"].values.tolist()


def test_metadata_on_every_record_is_one_plugin_change() -> None:
    """Writers put metadata on every value: only the records where a tag's plugin changes
    are kept, so a series is not cut into pieces of one record (and read one by one)."""
    from tfevents.reader.arrays import ArrayGroup
    from tfevents.reader.filecolumns import _add_metadata_changes

    def group(plugin: str, index: list[int]) -> ArrayGroup:
        n = len(index)
        return ArrayGroup("h", "tensor", np.array(index), np.zeros(n, np.int64), np.zeros(n), np.zeros((n, 3)), plugin=plugin)

    changes: dict[str, tuple[list[int], list[str]]] = {}
    _add_metadata_changes([group("histograms", list(range(0, 2000, 2)))], changes)
    assert changes == {"h": ([0], ["histograms"])}
    changes = {"h": ([5], ["scalars"])}  # a record the parse read, inside the group's span
    _add_metadata_changes([group("histograms", [0, 2, 4, 6, 8]), group("histograms", [10, 12])], changes)
    assert changes == {"h": ([0, 5, 6], ["histograms", "scalars", "histograms"])}


def test_damaged_record_read_up_to(logdir: str, tmp_path) -> None:
    (source,) = event_files(os.path.join(logdir, "tensor_form"))["."]
    with open(source, "rb") as f:
        data = bytearray(f.read())
    whole = read_histograms(source)["."]["h/normal"]
    # the data of a record in the middle: flip a byte of a histogram's counts
    middle = data.index(b"h/normal", len(data) // 2)
    data[middle + 60] ^= 0xFF
    damaged = tmp_path / "events.out.tfevents.damaged"
    damaged.write_bytes(bytes(data))
    with pytest.warns(DamagedFileWarning, match="data CRC mismatch"):
        part = read_histograms(str(damaged))["."]["h/normal"]
    assert 0 < len(part) < len(whole)
    assert part.steps.tolist() == whole.steps[: len(part)].tolist()
    np.testing.assert_array_equal(part.rows, whole.rows[: part.offsets[-1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_histograms(source, tag="none") == {}


def test_bad_arguments(logdir: str) -> None:
    with pytest.raises(TypeError, match="tag"):
        read_histograms(logdir, tag=3)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        read_pr_curves(os.path.join(logdir, "missing"))


def test_corrupted_files_give_reader_errors_only(logdir: str, tmp_path) -> None:
    """Random bytes changed in files of every form: the column path reads up to the damage
    (a DamagedFileWarning) or raises a ReadError, never anything else, and never returns
    a value that differs from the undamaged file's at the same position."""
    from tfevents.errors import ReadError

    rng = np.random.default_rng(11)
    sources = [p for run in ("tensor_form", "legacy_form", "torch") for p in
               event_files(os.path.join(logdir, run))["."]]
    target = tmp_path / "events.out.tfevents.fuzzed"
    for trial in range(60):
        source = sources[trial % len(sources)]
        with open(source, "rb") as f:
            data = bytearray(f.read())
        whole = read_histograms(source)["."]
        for _ in range(int(rng.integers(1, 4))):
            data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
        target.write_bytes(bytes(data))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DamagedFileWarning)
            try:
                got = read_histograms(str(target)).get(".", {})
            except ReadError:
                continue
        for tag, series in got.items():  # what is read is what was there
            assert tag in whole
            n = min(len(series), len(whole[tag]))
            assert series.steps[:n].tolist() == whole[tag].steps[:n].tolist()
            assert np.array_equal(series.rows[: series.offsets[n]], whole[tag].rows[: whole[tag].offsets[n]])

"""Event files in the peers' legacy forms, written with tfevents.summaries.legacy, for the
read-back tests (tests/test_legacy_forms.py and tests/tf_env/test_legacy_forms_tf.py).

``write_legacy_run`` encodes the inputs as a writer with the legacy forms would: tfevents'
own bucket counts, PNG and WAV encoders, then the legacy encoders; each event framed with
tfevents.records.framing. ``write_torch_run`` logs the same inputs with
torch.utils.tensorboard, for comparison.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from tfevents.records.framing import frame
from tfevents.summaries import audio as audio_summary
from tfevents.summaries import histogram as histogram_summary
from tfevents.summaries import image as image_summary
from tfevents.summaries import legacy
from tfevents.wire import messages

WALL0 = 1_700_000_000.0
STEPS = (0, 1, 2)
RATE = 16000
TEXTS = {0: "first **note**", 1: "zweite Notiz: é ü", 2: ""}


def inputs(step: int) -> dict[str, Any]:
    """What is logged at ``step``: the same arrays for every writer."""
    rng = np.random.default_rng(step)
    return {
        "weights/0": rng.normal(size=2000) * (step + 1),  # default ("tensorflow") buckets
        "weights/even": rng.normal(size=500),  # 30 even buckets (float64: torch's counts)
        "input": rng.integers(0, 256, (12, 10, 3), dtype=np.uint8),  # HWC RGB
        "mask": rng.integers(0, 256, (6, 7, 1), dtype=np.uint8),  # HWC grey
        "speech": np.sin(np.arange(800) * (step + 1) / 10) * 0.5,  # mono, in [-1, 1]
        "notes": TEXTS[step],
    }


def legacy_values(step: int) -> list[tuple[str, legacy.Encoded]]:
    """(tag, encoded) for each input, by the legacy encoders from tfevents' own counts."""
    data = inputs(step)
    values = []
    for tag, bins in (("weights/0", "tensorflow"), ("weights/even", 30)):
        table = histogram_summary.compute(data[tag], bins=bins).table
        values.append((tag, legacy.histogram(table, data[tag])))
    for tag in ("input", "mask"):
        hwc = data[tag]
        png = image_summary.encode_png(hwc)
        values.append((tag, legacy.image(png, hwc.shape[0], hwc.shape[1], hwc.shape[2])))
    frames = audio_summary.to_frames(data["speech"])
    pcm, _ = audio_summary.to_pcm16(frames)
    wav = audio_summary.encode_wav(pcm, RATE)
    values.append(("speech", legacy.audio(wav, RATE, pcm.shape[1], pcm.shape[0])))
    values.append((legacy.text_tag("notes"), legacy.text(data["notes"])))
    return values


def write_events(path: str, entries: list[tuple[str, legacy.Encoded, int]],
                 empty_metadata: bool = False) -> None:
    """An event file: the file-version event, then one event per (tag, encoded, step).

    ``empty_metadata``: values without metadata get an empty ``metadata`` field instead of
    none, as tfevents' event encoder writes a tag's first value today (b"" metadata).
    """
    records = [frame(messages.event(WALL0, file_version=messages.FILE_VERSION))]
    for tag, encoded, step in entries:
        metadata = encoded.metadata if encoded.metadata or empty_metadata else None
        value = messages.summary_value_head(tag, metadata) + encoded.field
        summary = messages.summary([value])
        records.append(frame(messages.event(WALL0 + step, step, summary=summary)))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"".join(records))


def write_legacy_run(run_dir: str, empty_metadata: bool = False) -> str:
    path = os.path.join(run_dir, "events.out.tfevents.1700000000.legacy.1.0")
    entries = [(tag, encoded, step) for step in STEPS for tag, encoded in legacy_values(step)]
    write_events(path, entries, empty_metadata)
    return path


def write_torch_run(run_dir: str) -> None:
    """The same inputs through torch.utils.tensorboard's SummaryWriter."""
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(run_dir)
    for step in STEPS:
        data, wall = inputs(step), WALL0 + step
        writer.add_histogram("weights/0", data["weights/0"], step, walltime=wall)
        writer.add_histogram("weights/even", data["weights/even"], step, bins=30, walltime=wall)
        writer.add_image("input", data["input"], step, walltime=wall, dataformats="HWC")
        writer.add_image("mask", data["mask"], step, walltime=wall, dataformats="HWC")
        writer.add_audio("speech", data["speech"], step, sample_rate=RATE, walltime=wall)
        writer.add_text("notes", data["notes"], step, walltime=wall)
    writer.close()

"""Bad input: a TypeError/ValueError that names the argument, and never a damaged file.

Every rejected call is made between two good scalars; afterwards the file must validate
and hold exactly those two scalars (nothing of the rejected call, nothing lost).
Hypothesis throws random junk at the main methods: each call either succeeds or raises
TypeError/ValueError, and the file validates at the end.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import strategies as st

import tfevents
from _reliability_helpers import assert_valid
from fuzzing import JUNK, arrays, fuzz_calls
from tfevents.reader import event_files, read_events

torch = pytest.importorskip("torch")
SummaryWriter = tfevents.SummaryWriter


def summary_values(logdir) -> list[tuple[str, int, object]]:
    out = []
    for paths in event_files(str(logdir)).values():
        for path in paths:
            for event in read_events(path):
                for value in event.values:
                    out.append((value.tag, event.step, value.value))
                if event.graph_def is not None:
                    out.append(("<graph>", event.step, None))
    return out


def _close_quietly(w) -> None:
    with contextlib.suppress(Exception):
        w.close()


def _graph_with_unknown_input() -> tfevents.Graph:
    g = tfevents.Graph()
    g.add_node("a", "Const")
    g.add_node("b", "Add", ["a", "missing"])
    return g


def _good_graph() -> tfevents.Graph:
    g = tfevents.Graph()
    g.add_node("a", "Const")
    return g


IMG = np.zeros((3, 4, 4), dtype=np.uint8)
LABELS = np.array([0, 1, 1, 0])
PREDS = np.array([0.1, 0.9, 0.4, 0.6])

# (id, call, exception type(s), words the message must contain)
BAD_CALLS = [
    # --- tags
    ("tag-none", lambda w: w.add_scalar(None, 1.0), TypeError, "tag"),
    ("tag-int", lambda w: w.add_scalar(5, 1.0), TypeError, "tag"),
    ("tag-bytes", lambda w: w.add_scalar(b"x", 1.0), TypeError, "tag"),
    ("tag-empty", lambda w: w.add_scalar("", 1.0), ValueError, "tag"),
    ("tag-list", lambda w: w.add_scalar(["a"], 1.0), TypeError, "tag"),
    ("hist-tag-none", lambda w: w.add_histogram(None, [1.0]), TypeError, "tag"),
    ("image-tag-int", lambda w: w.add_image(3, IMG), TypeError, "tag"),
    ("text-tag-empty", lambda w: w.add_text("", "x"), ValueError, "tag"),
    ("pr-tag-none", lambda w: w.add_pr_curve(None, LABELS, PREDS), TypeError, "tag"),
    ("scalar-tag-surrogate", lambda w: w.add_scalar("bad\ud800", 1.0), ValueError, "tag"),
    ("hist-tag-surrogate", lambda w: w.add_histogram("\udfff", [1.0]), ValueError, "tag"),
    ("text-tag-surrogate", lambda w: w.add_text("\ud800x", "hi"), ValueError, "tag"),
    # --- scalar values
    ("value-none", lambda w: w.add_scalar("s", None), TypeError, "scalar_value"),
    ("value-str", lambda w: w.add_scalar("s", "1.0"), TypeError, "scalar_value"),
    ("value-bytes", lambda w: w.add_scalar("s", b"1"), TypeError, "scalar_value"),
    ("value-list2", lambda w: w.add_scalar("s", [1.0, 2.0]), ValueError, "scalar_value"),
    ("value-array2", lambda w: w.add_scalar("s", np.array([1.0, 2.0])), ValueError, "scalar_value"),
    ("value-array22", lambda w: w.add_scalar("s", np.zeros((2, 2))), ValueError, "scalar_value"),
    ("value-empty", lambda w: w.add_scalar("s", np.zeros(0)), ValueError, "scalar_value"),
    ("value-empty-list", lambda w: w.add_scalar("s", []), ValueError, "scalar_value"),
    ("value-torch2", lambda w: w.add_scalar("s", torch.tensor([1.0, 2.0])), ValueError, "scalar_value"),
    ("value-torch-empty", lambda w: w.add_scalar("s", torch.zeros(0)), ValueError, "scalar_value"),
    ("value-complex", lambda w: w.add_scalar("s", 1 + 2j), TypeError, "scalar_value"),
    ("value-np-complex", lambda w: w.add_scalar("s", np.complex64(1)), TypeError, "scalar_value"),
    ("value-torch-complex", lambda w: w.add_scalar("s", torch.tensor(1 + 1j)), TypeError, "scalar_value"),
    ("value-object-array", lambda w: w.add_scalar("s", np.array([object()])), TypeError, "scalar_value"),
    ("value-object", lambda w: w.add_scalar("s", object()), TypeError, "scalar_value"),
    ("value-dict", lambda w: w.add_scalar("s", {"a": 1}), TypeError, "scalar_value"),
    ("value-str-array", lambda w: w.add_scalar("s", np.array(["1"])), TypeError, "scalar_value"),
    ("value-decimal", lambda w: w.add_scalar("s", Decimal("1.5")), (TypeError, ValueError), "scalar_value"),
    ("value-huge-int", lambda w: w.add_scalar("s", 10**400), (TypeError, ValueError), "scalar_value"),
    ("value-huge-neg-int", lambda w: w.add_scalar("s", -(10**400)), (TypeError, ValueError), "scalar_value"),
    # --- steps
    ("step-str", lambda w: w.add_scalar("s", 1.0, "3"), TypeError, "global_step"),
    ("step-bytes", lambda w: w.add_scalar("s", 1.0, b"3"), TypeError, "global_step"),
    ("step-bool", lambda w: w.add_scalar("s", 1.0, True), TypeError, "global_step"),
    ("step-half", lambda w: w.add_scalar("s", 1.0, 1.5), ValueError, "global_step"),
    ("step-np-half", lambda w: w.add_scalar("s", 1.0, np.float32(2.5)), ValueError, "global_step"),
    ("step-torch-half", lambda w: w.add_scalar("s", 1.0, torch.tensor(1.5)), ValueError, "global_step"),
    ("step-nan", lambda w: w.add_scalar("s", 1.0, float("nan")), ValueError, "global_step"),
    ("step-inf", lambda w: w.add_scalar("s", 1.0, float("inf")), ValueError, "global_step"),
    ("step-2**63", lambda w: w.add_scalar("s", 1.0, 2**63), ValueError, "global_step"),
    ("step--2**63-1", lambda w: w.add_scalar("s", 1.0, -(2**63) - 1), ValueError, "global_step"),
    ("step-10**30", lambda w: w.add_scalar("s", 1.0, 10**30), ValueError, "global_step"),
    ("step-1e19", lambda w: w.add_scalar("s", 1.0, 1e19), ValueError, "global_step"),
    ("step-uint64-max", lambda w: w.add_scalar("s", 1.0, np.uint64(2**64 - 1)), ValueError, "global_step"),
    ("step-array", lambda w: w.add_scalar("s", 1.0, np.array([1, 2])), (TypeError, ValueError), "global_step"),
    ("step-complex", lambda w: w.add_scalar("s", 1.0, 1j), (TypeError, ValueError), "global_step"),
    ("step-object", lambda w: w.add_scalar("s", 1.0, object()), TypeError, "global_step"),
    ("hist-step-str", lambda w: w.add_histogram("h", [1.0], "x"), TypeError, "global_step"),
    ("image-step-half", lambda w: w.add_image("i", IMG, 0.5), ValueError, "global_step"),
    ("text-step-huge", lambda w: w.add_text("t", "x", 2**64), ValueError, "global_step"),
    ("scalars-step-str", lambda w: w.add_scalars("m", {"a": 1.0}, "1"), TypeError, "global_step"),
    # --- walltime
    ("wall-nan", lambda w: w.add_scalar("s", 1.0, 0, walltime=float("nan")), ValueError, "walltime"),
    ("wall-inf", lambda w: w.add_scalar("s", 1.0, 0, walltime=float("inf")), ValueError, "walltime"),
    ("wall-neginf", lambda w: w.add_scalar("s", 1.0, 0, walltime=-np.inf), ValueError, "walltime"),
    ("wall-np-nan", lambda w: w.add_scalar("s", 1.0, 0, walltime=np.float32("nan")), ValueError, "walltime"),
    ("wall-str", lambda w: w.add_scalar("s", 1.0, 0, walltime="now"), TypeError, "walltime"),
    ("wall-list", lambda w: w.add_scalar("s", 1.0, 0, walltime=[1.0, 2.0]), (TypeError, ValueError), "walltime"),
    ("wall-huge-int", lambda w: w.add_scalar("s", 1.0, 0, walltime=10**400), (TypeError, ValueError), "walltime"),
    ("hist-wall-nan", lambda w: w.add_histogram("h", [1.0], 0, walltime=float("nan")), ValueError, "walltime"),
    ("image-wall-str", lambda w: w.add_image("i", IMG, 0, walltime="x"), TypeError, "walltime"),
    # --- scalar options
    ("display-name-int", lambda w: w.add_scalar("s", 1.0, display_name=5), TypeError, "display_name"),
    ("description-bytes", lambda w: w.add_scalar("s", 1.0, summary_description=b"x"), TypeError, "summary_description"),
    # --- add_scalars
    ("main-tag-none", lambda w: w.add_scalars(None, {"a": 1.0}), TypeError, "main_tag"),
    ("main-tag-empty", lambda w: w.add_scalars("", {"a": 1.0}), ValueError, "main_tag"),
    ("dict-list", lambda w: w.add_scalars("m", [("a", 1.0)]), TypeError, "tag_scalar_dict"),
    ("dict-none", lambda w: w.add_scalars("m", None), TypeError, "tag_scalar_dict"),
    ("dict-key-int", lambda w: w.add_scalars("m", {1: 1.0}), TypeError, "tag_scalar_dict"),
    ("dict-key-empty", lambda w: w.add_scalars("m", {"": 1.0}), ValueError, "tag_scalar_dict"),
    ("dict-key-slash", lambda w: w.add_scalars("m", {"a/b": 1.0}), ValueError, "tag_scalar_dict"),
    ("dict-value-none", lambda w: w.add_scalars("m", {"a": 1.0, "b": None}), TypeError, "tag_scalar_dict"),
    ("dict-value-list", lambda w: w.add_scalars("m", {"a": [1.0, 2.0]}), ValueError, "tag_scalar_dict"),
    ("dict-value-str", lambda w: w.add_scalars("m", {"a": "1"}), TypeError, "tag_scalar_dict"),
    # --- add_histogram
    ("hist-values-none", lambda w: w.add_histogram("h", None), TypeError, "values"),
    ("hist-values-str", lambda w: w.add_histogram("h", "abc"), TypeError, "values"),
    ("hist-values-complex", lambda w: w.add_histogram("h", np.array([1 + 1j])), TypeError, "values"),
    ("hist-values-object", lambda w: w.add_histogram("h", np.array([object(), 1])), TypeError, "values"),
    ("hist-values-strarray", lambda w: w.add_histogram("h", np.array(["a", "b"])), TypeError, "values"),
    ("hist-values-ragged", lambda w: w.add_histogram("h", [[1, 2], [3]]), TypeError, "values"),
    ("hist-values-dict", lambda w: w.add_histogram("h", {"a": 1}), TypeError, "values"),
    ("hist-values-torch-complex", lambda w: w.add_histogram("h", torch.tensor([1j])), TypeError, "values"),
    ("hist-bins-name", lambda w: w.add_histogram("h", [1.0, 2.0], bins="nope"), ValueError, "bins"),
    ("hist-bins-zero", lambda w: w.add_histogram("h", [1.0, 2.0], bins=0), ValueError, "bins"),
    ("hist-bins-neg", lambda w: w.add_histogram("h", [1.0, 2.0], bins=-3), ValueError, "bins"),
    ("hist-bins-decreasing", lambda w: w.add_histogram("h", [1.0, 2.0], bins=[3, 2, 1]), ValueError, "bins"),
    ("hist-bins-float", lambda w: w.add_histogram("h", [1.0, 2.0], bins=2.5), (TypeError, ValueError), "bins"),
    ("hist-bins-none", lambda w: w.add_histogram("h", [1.0, 2.0], bins=None), (TypeError, ValueError), "bins"),
    ("hist-maxbins-zero", lambda w: w.add_histogram("h", [1.0], max_bins=0), ValueError, "max_bins"),
    ("hist-maxbins-neg", lambda w: w.add_histogram("h", [1.0], max_bins=-1), ValueError, "max_bins"),
    ("hist-maxbins-bool", lambda w: w.add_histogram("h", [1.0], max_bins=True), (TypeError, ValueError), "max_bins"),
    ("hist-maxbins-str", lambda w: w.add_histogram("h", [1.0], max_bins="3"), (TypeError, ValueError), "max_bins"),
    ("hist-maxbins-float", lambda w: w.add_histogram("h", [1.0], max_bins=2.5), (TypeError, ValueError), "max_bins"),
    # --- add_image / add_images
    ("img-none", lambda w: w.add_image("i", None), TypeError, "img_tensor"),
    ("img-str", lambda w: w.add_image("i", "picture.png"), TypeError, "img_tensor"),
    ("img-object", lambda w: w.add_image("i", np.full((3, 2, 2), None)), TypeError, "img_tensor"),
    ("img-complex", lambda w: w.add_image("i", np.zeros((3, 2, 2), complex)), TypeError, "img_tensor"),
    ("img-strarray", lambda w: w.add_image("i", np.full((3, 2, 2), "a")), TypeError, "img_tensor"),
    ("img-format-repeated", lambda w: w.add_image("i", IMG, dataformats="CCH"), ValueError, "dataformats"),
    ("img-format-HHW", lambda w: w.add_image("i", IMG, dataformats="HHW"), ValueError, "dataformats"),
    ("img-format-rank", lambda w: w.add_image("i", np.zeros((4, 4)), dataformats="CHW"), ValueError, "dataformats"),
    ("img-format-rank4", lambda w: w.add_image("i", np.zeros((1, 3, 4, 4))), ValueError, "dataformats"),
    ("img-format-rank1", lambda w: w.add_image("i", np.zeros(4), dataformats="HW"), ValueError, "dataformats"),
    ("img-format-no-H", lambda w: w.add_image("i", np.zeros((3, 4)), dataformats="CW"), ValueError, "dataformats"),
    ("img-format-no-W", lambda w: w.add_image("i", np.zeros((3, 4)), dataformats="CH"), ValueError, "dataformats"),
    ("img-format-letter", lambda w: w.add_image("i", IMG, dataformats="CHX"), ValueError, "dataformats"),
    ("img-format-N", lambda w: w.add_image("i", np.zeros((1, 3, 4, 4)), dataformats="NCHW"), ValueError, "dataformats"),
    ("img-format-empty", lambda w: w.add_image("i", IMG, dataformats=""), ValueError, "dataformats"),
    ("img-format-int", lambda w: w.add_image("i", IMG, dataformats=3), TypeError, "dataformats"),
    ("img-format-none", lambda w: w.add_image("i", IMG, dataformats=None), TypeError, "dataformats"),
    ("img-5-channels", lambda w: w.add_image("i", np.zeros((5, 4, 4))), ValueError, "img_tensor"),
    ("img-0-channels", lambda w: w.add_image("i", np.zeros((0, 4, 4))), ValueError, "img_tensor"),
    ("img-5-channels-hwc", lambda w: w.add_image("i", np.zeros((4, 4, 5)), dataformats="HWC"), ValueError, "img_tensor"),
    ("img-empty-h", lambda w: w.add_image("i", np.zeros((3, 0, 4))), ValueError, "img_tensor"),
    ("img-empty-w", lambda w: w.add_image("i", np.zeros((0, 4)), dataformats="WH"), ValueError, "img_tensor"),
    ("imgs-empty-batch", lambda w: w.add_images("i", np.zeros((0, 3, 4, 4))), ValueError, "img_tensor"),
    ("imgs-empty-h", lambda w: w.add_images("i", np.zeros((2, 3, 0, 4))), ValueError, "img_tensor"),
    ("imgs-format-no-N", lambda w: w.add_images("i", IMG, dataformats="CHW"), ValueError, "dataformats"),
    ("imgs-format-rank", lambda w: w.add_images("i", IMG), ValueError, "dataformats"),
    ("imgs-format-repeated", lambda w: w.add_images("i", np.zeros((1, 3, 4, 4)), dataformats="NNHW"), ValueError, "dataformats"),
    ("imgs-5-channels", lambda w: w.add_images("i", np.zeros((2, 5, 4, 4))), ValueError, "img_tensor"),
    ("imgs-list-mismatch", lambda w: w.add_images("i", [np.zeros((3, 4, 4)), np.zeros((3, 4, 5))]), ValueError, "img_tensor"),
    ("imgs-list-str", lambda w: w.add_images("i", ["a", "b"]), TypeError, "img_tensor"),
    ("imgs-none", lambda w: w.add_images("i", None), TypeError, "img_tensor"),
    ("imgs-empty-list", lambda w: w.add_images("i", []), ValueError, "img_tensor"),
    # --- add_pr_curve
    ("pr-labels-none", lambda w: w.add_pr_curve("p", None, PREDS), TypeError, "labels"),
    ("pr-labels-two", lambda w: w.add_pr_curve("p", [0, 2, 1, 0], PREDS), ValueError, "labels"),
    ("pr-labels-half", lambda w: w.add_pr_curve("p", [0, 0.5, 1, 0], PREDS), ValueError, "labels"),
    ("pr-labels-neg", lambda w: w.add_pr_curve("p", [0, -1, 1, 0], PREDS), ValueError, "labels"),
    ("pr-labels-str", lambda w: w.add_pr_curve("p", ["a", "b", "c", "d"], PREDS), TypeError, "labels"),
    ("pr-preds-none", lambda w: w.add_pr_curve("p", LABELS, None), TypeError, "predictions"),
    ("pr-preds-above", lambda w: w.add_pr_curve("p", LABELS, [0.1, 1.5, 0.2, 0.3]), ValueError, "predictions"),
    ("pr-preds-below", lambda w: w.add_pr_curve("p", LABELS, [0.1, -0.01, 0.2, 0.3]), ValueError, "predictions"),
    ("pr-preds-nan", lambda w: w.add_pr_curve("p", LABELS, [0.1, np.nan, 0.2, 0.3]), ValueError, "predictions"),
    ("pr-preds-inf", lambda w: w.add_pr_curve("p", LABELS, [0.1, np.inf, 0.2, 0.3]), ValueError, "predictions"),
    ("pr-preds-complex", lambda w: w.add_pr_curve("p", LABELS, PREDS + 0j), TypeError, "predictions"),
    ("pr-length-mismatch", lambda w: w.add_pr_curve("p", LABELS, PREDS[:3]), ValueError, "labels"),
    ("pr-length-mismatch-preds", lambda w: w.add_pr_curve("p", LABELS[:2], PREDS), ValueError, "predictions"),
    ("pr-thresholds-1", lambda w: w.add_pr_curve("p", LABELS, PREDS, num_thresholds=1), ValueError, "num_thresholds"),
    ("pr-thresholds-0", lambda w: w.add_pr_curve("p", LABELS, PREDS, num_thresholds=0), ValueError, "num_thresholds"),
    ("pr-thresholds-neg", lambda w: w.add_pr_curve("p", LABELS, PREDS, num_thresholds=-5), ValueError, "num_thresholds"),
    ("pr-thresholds-bool", lambda w: w.add_pr_curve("p", LABELS, PREDS, num_thresholds=True), TypeError, "num_thresholds"),
    ("pr-thresholds-float", lambda w: w.add_pr_curve("p", LABELS, PREDS, num_thresholds=10.0), TypeError, "num_thresholds"),
    ("pr-thresholds-str", lambda w: w.add_pr_curve("p", LABELS, PREDS, num_thresholds="127"), TypeError, "num_thresholds"),
    ("pr-thresholds-none", lambda w: w.add_pr_curve("p", LABELS, PREDS, num_thresholds=None), TypeError, "num_thresholds"),
    ("pr-weights-neg", lambda w: w.add_pr_curve("p", LABELS, PREDS, weights=[1, -1, 1, 1]), ValueError, "weights"),
    ("pr-weights-nan", lambda w: w.add_pr_curve("p", LABELS, PREDS, weights=[1, np.nan, 1, 1]), ValueError, "weights"),
    ("pr-weights-length", lambda w: w.add_pr_curve("p", LABELS, PREDS, weights=[1, 1]), ValueError, "weights"),
    ("pr-weights-str", lambda w: w.add_pr_curve("p", LABELS, PREDS, weights="heavy"), TypeError, "weights"),
    ("prraw-length", lambda w: w.add_pr_curve_raw("p", [1] * 3, [1] * 3, [1] * 3, [1] * 3, [1] * 3, [1] * 2, num_thresholds=3), ValueError, "recall"),
    ("prraw-none", lambda w: w.add_pr_curve_raw("p", None, [1] * 3, [1] * 3, [1] * 3, [1] * 3, [1] * 3, num_thresholds=3), TypeError, "true_positive_counts"),
    ("prraw-thresholds", lambda w: w.add_pr_curve_raw("p", [1], [1], [1], [1], [1], [1], num_thresholds=1), ValueError, "num_thresholds"),
    # --- add_text
    ("text-none", lambda w: w.add_text("t", None), TypeError, "text_string"),
    ("text-int", lambda w: w.add_text("t", 5), TypeError, "text_string"),
    ("text-bytes", lambda w: w.add_text("t", b"bytes"), TypeError, "text_string"),
    ("text-list-of-numbers", lambda w: w.add_text("t", ["a", 1]), TypeError, "text_string"),
    ("text-surrogate", lambda w: w.add_text("t", "lone \ud800 surrogate"), ValueError, "text_string"),
    # --- add_graph
    ("graph-int", lambda w: w.add_graph(123), TypeError, "model"),
    ("graph-none", lambda w: w.add_graph(None), TypeError, "model"),
    ("graph-str", lambda w: w.add_graph("graph"), TypeError, "model"),
    ("graph-unknown-input", lambda w: w.add_graph(_graph_with_unknown_input()), ValueError, "missing"),
    ("graph-with-input", lambda w: w.add_graph(_good_graph(), np.zeros(3)), ValueError, "input_to_model"),
]


@pytest.mark.parametrize(
    "call,exc,word", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS]
)
def test_bad_call_is_rejected_and_file_stays_whole(tmp_path, call, exc, word):
    w = SummaryWriter(tmp_path)
    try:
        w.add_scalar("good", 1.0, 0)
        for _ in range(3):
            with pytest.raises(exc) as info:
                call(w)
            assert word in str(info.value), f"message does not name {word!r}: {info.value}"
        w.add_scalar("good", 2.0, 1)
        w.close()
    finally:
        _close_quietly(w)  # a failed check must not leave a poisoned writer behind
    assert_valid(tmp_path)
    assert list(event_files(str(tmp_path))) == ["."]
    assert summary_values(tmp_path) == [("good", 0, 1.0), ("good", 1, 2.0)]


# --- constructor --------------------------------------------------------------------------


CONSTRUCTOR_CASES = [
    ("max_queue", {"max_queue": 0}),
    ("max_queue", {"max_queue": -1}),
    ("max_queue", {"max_queue": "10"}),
    ("max_queue", {"max_queue": True}),
    ("max_queue", {"max_queue": 1.5}),
    ("max_queue", {"max_queue": None}),
    ("flush_secs", {"flush_secs": 0}),
    ("flush_secs", {"flush_secs": -1.0}),
    ("flush_secs", {"flush_secs": float("nan")}),
    ("flush_secs", {"flush_secs": float("inf")}),
    ("flush_secs", {"flush_secs": "2"}),
    ("flush_secs", {"flush_secs": True}),
    ("flush_secs", {"flush_secs": None}),
    ("comment", {"comment": 5}),
    ("purge_step", {"purge_step": "3"}),
    ("purge_step", {"purge_step": 1.5}),
    ("purge_step", {"purge_step": 2**64}),
    ("filename_suffix", {"filename_suffix": 5}),
    ("filename_suffix", {"filename_suffix": "a/b"}),
]


@pytest.mark.parametrize(
    "name,kwargs", CONSTRUCTOR_CASES, ids=[f"{n}={kw[n]!r}" for n, kw in CONSTRUCTOR_CASES]
)
def test_constructor_rejects(tmp_path, name, kwargs):
    logdir = tmp_path / "run"
    with pytest.raises((TypeError, ValueError)) as info:
        SummaryWriter(str(logdir), **kwargs)
    assert name in str(info.value)
    assert not logdir.exists() or not os.listdir(logdir)


@pytest.mark.parametrize("log_dir", [123, 4.5, ["runs"], b"\x00"])
def test_constructor_rejects_bad_log_dir(tmp_path, monkeypatch, log_dir):
    monkeypatch.chdir(tmp_path)
    with pytest.raises((TypeError, ValueError)) as info:
        SummaryWriter(log_dir)
    assert "log_dir" in str(info.value)
    assert os.listdir(tmp_path) == []


# --- Graph construction errors ------------------------------------------------------------


def test_graph_duplicate_name():
    g = tfevents.Graph()
    g.add_node("a", "Const")
    with pytest.raises(ValueError, match="'a'"):
        g.add_node("a", "Const")
    assert len(g) == 1


@pytest.mark.parametrize("name", ["", "/a", "a/", "a//b", "a:0", "^a"])
def test_graph_bad_names(name):
    g = tfevents.Graph()
    with pytest.raises((TypeError, ValueError), match="name"):
        g.add_node(name, "Const")
    assert len(g) == 0


@pytest.mark.parametrize("name", [None, 5, b"a"])
def test_graph_name_not_a_string(name):
    with pytest.raises(TypeError, match="name"):
        tfevents.Graph().add_node(name, "Const")


@pytest.mark.parametrize(
    "kwargs,word",
    [
        ({"op": ""}, "op"),
        ({"op": None}, "op"),
        ({"inputs": "a"}, "inputs"),
        ({"inputs": [1]}, "inputs"),
        ({"inputs": ["a:b"]}, "inputs"),
        ({"inputs": ["a:0:1"]}, "inputs"),
        ({"output_shapes": [3]}, "output_shapes"),
        ({"output_shapes": [[-1]]}, "output_shapes"),
        ({"output_shapes": [[1.5]]}, "output_shapes"),
        ({"output_shapes": "[1]"}, "output_shapes"),
        ({"dtype": "float128"}, "dtype"),
        ({"device": 0}, "device"),
        ({"attrs": {"k": object()}}, "attrs"),
        ({"attrs": {"": 1}}, "attrs"),
    ],
)
def test_graph_bad_node_arguments(kwargs, word):
    call = {"name": "n", "op": "Op", **kwargs}
    g = tfevents.Graph()
    with pytest.raises((TypeError, ValueError)) as info:
        g.add_node(**call)
    assert word in str(info.value)
    assert len(g) == 0


def test_graph_unknown_input_is_caught_at_add_graph(tmp_path):
    g = _graph_with_unknown_input()  # building it is allowed: inputs may come later
    with pytest.raises(ValueError, match="'missing'"):
        g.validate()
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match=r"'b'.*'missing'"):
            w.add_graph(g)
        g.add_node("missing", "Const")
        w.add_graph(g)  # now complete
    assert_valid(tmp_path)
    assert [t for t, _, _ in summary_values(tmp_path)] == ["<graph>"]


# --- fuzzing (the scaffold: tests/fuzzing.py) ----------------------------------------------


# Mostly good tags, so that the calls get past the tag check to the junk that follows.
TAGS = st.one_of(st.sampled_from(["a", "b/c", "loss"]), st.text(min_size=1, max_size=6), JUNK)


def _check_file(tmp_path, accepted: int) -> None:
    assert_valid(tmp_path)
    values = summary_values(tmp_path)
    assert len(values) == accepted


def test_fuzz_add_scalar(tmp_path):
    w = SummaryWriter(tmp_path)

    def call(tag, value, step, walltime, new_style):
        if new_style and isinstance(tag, str):
            # One tag logged both ways is test_writer_api's business: keep them apart here.
            tag = "new_style/" + tag
        w.add_scalar(tag, value, step, walltime, new_style=new_style)

    accepted = fuzz_calls(
        w, call,
        tag=TAGS,
        value=JUNK,
        step=st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), JUNK),
        walltime=st.one_of(st.none(), st.floats(0, 2e9), JUNK),
        new_style=st.booleans(),
    )
    _check_file(tmp_path, accepted)


def test_fuzz_add_histogram(tmp_path):
    w = SummaryWriter(tmp_path)
    small_bins = st.one_of(
        st.just("tensorflow"),
        st.sampled_from(["auto", "fd", "doane", "sturges", "nope", ""]),
        st.integers(-3, 40),
        st.floats(allow_nan=True),
        st.none(),
        st.lists(st.floats(-10, 10) | st.integers(-10, 10), max_size=5),
    )

    def call(tag, values, step, bins, max_bins):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            w.add_histogram(tag, values, step, bins=bins, max_bins=max_bins)

    accepted = fuzz_calls(
        w, call,
        tag=TAGS,
        values=JUNK,
        step=st.one_of(st.none(), JUNK),
        bins=small_bins,
        max_bins=st.one_of(st.none(), st.integers(-2, 2**70), JUNK),
    )
    _check_file(tmp_path, accepted)


def test_fuzz_add_image(tmp_path):
    w = SummaryWriter(tmp_path)
    formats = st.one_of(
        st.sampled_from(["CHW", "HWC", "HW", "WH", "NCHW", "NHWC", "NHW", "chw"]),
        st.text(alphabet="NCHWX", max_size=5),
        JUNK,
    )

    def call(tag, img, fmt, batch):
        (w.add_images if batch else w.add_image)(tag, img, 0, dataformats=fmt)

    accepted = fuzz_calls(
        w, call,
        tag=st.text(min_size=1, max_size=4),
        img=st.one_of(JUNK, arrays(min_dims=2, max_dims=4)),
        fmt=formats,
        batch=st.booleans(),
    )
    _check_file(tmp_path, accepted)


def test_fuzz_add_text(tmp_path):
    w = SummaryWriter(tmp_path)
    accepted = fuzz_calls(
        w, lambda tag, text, step: w.add_text(tag, text, step),
        tag=TAGS,
        text=st.one_of(st.text(max_size=50), JUNK),
        step=st.one_of(st.none(), JUNK),
    )
    _check_file(tmp_path, accepted)
    for value in summary_values(tmp_path):
        assert isinstance(value[2], (str, np.ndarray))  # arrays of str are tables


def test_fuzz_text_round_trip(tmp_path, legacy_forms):
    texts = []
    w = SummaryWriter(tmp_path, legacy_forms=legacy_forms)

    def call(text):
        w.add_text("t", text, len(texts))
        texts.append(text)

    assert fuzz_calls(w, call, text=st.text(max_size=200)) == len(texts)
    assert_valid(tmp_path)
    values = [v for _, _, v in summary_values(tmp_path)]
    if legacy_forms:  # torch's form: a one-cell table of UTF-8 bytes
        values = [v.item().decode("utf-8") for v in values]
    assert values == texts


def test_fuzz_scalar_round_trip(tmp_path):
    logged = []
    w = SummaryWriter(tmp_path)

    def call(value, step, wall):
        w.add_scalar("s", value, step, walltime=wall)
        with np.errstate(over="ignore"):
            logged.append((step, float(np.float32(float(value))), wall))

    fuzz_calls(
        w, call,
        value=st.floats(allow_nan=False) | st.integers(-(2**100), 2**100),
        step=st.integers(-(2**63), 2**63 - 1),
        wall=st.floats(0, 4e9),
    )
    assert_valid(tmp_path)
    events = [
        (e.step, v.value, e.wall_time)
        for path in event_files(str(tmp_path))["."]
        for e in read_events(path)
        for v in e.values
    ]
    assert len(events) == len(logged)
    assert events == logged

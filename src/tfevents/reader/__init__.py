"""Reads TensorBoard event files back: from any writer, with every CRC checked.

Files from tfevents, ``torch.utils.tensorboard``, tensorboardX, TensorFlow and
TensorBoard's own writer all read the same way, legacy value forms included. Nothing
here needs protobuf: the records and messages are decoded by the project's own code.

    >>> from tfevents.reader import read_dataframe, read_scalars, read_values
    >>> read_scalars("runs/demo")["lr_0.02"]["loss/train"].values    # doctest: +SKIP
    >>> read_dataframe("runs/demo", pivot=True)                        # doctest: +SKIP
    >>> for d in read_values("runs/demo", kind="histogram"):          # doctest: +SKIP
    ...     print(d.run, d.tag, d.step, d.value.shape)                # [k, 3] tables

Paths
    Every reading function takes an event file, a run directory, or a log directory,
    as a local path or an fsspec URL (``s3://``, ``gs://``, ``az://``, ``memory://``...;
    ``storage_options=`` passes fsspec's options: credentials, ``endpoint_url``). Under a
    URL the tree is listed once and many objects are fetched at once.
    Runs are discovered as TensorBoard discovers them: every directory (the root
    included) holding at least one file whose name contains ``tfevents`` is a run,
    named by its path relative to the directory given (``"."`` for the root itself, and
    for a single file). Runs come in sorted order, and each run's files in sorted order
    (their names start with the creation time). A path that does not exist raises
    ``FileNotFoundError`` (``event_files`` alone returns ``{}`` for it).

Functions
    ``event_files(path) -> {run: [file, ...]}``
        The runs under ``path`` and their event files.
    ``read_events(path, *, allow_truncated=True) -> Iterator[Event]``
        Every event of every file, in order; ``Event.run`` names its run.
    ``read_values(path, *, kind=None, tag=None, run=None) -> Iterator[Datum]``
        Every summary value, flattened to one ``Datum(run, tag, step, wall_time, kind,
        value, plugin, metadata)`` each. ``kind``, ``tag`` and ``run`` filter (a string or
        a collection of strings); values filtered out are never decoded, so reading the
        scalars of a directory full of images is fast.
    ``read_scalars(path, *, run=None, tag=None, workers=None) -> {run: {tag: ScalarSeries}}``
        Scalar series as numpy arrays, always by run (``"."`` for ``path`` itself, or a
        single file), decoded as columns over whole files (millions of scalars a second).
        ``run``/``tag`` filter before reading; ``workers=N`` reads runs in N processes.
    ``read_run_scalars(path, *, tag=None) -> {tag: ScalarSeries}``
        One run's series: an event file, or the files directly in a directory.
    ``read_histograms(path, *, run=None, tag=None) -> {run: {tag: ArraySeries}}``
    ``read_pr_curves(path, *, run=None, tag=None) -> {run: {tag: ArraySeries}}``
        Histograms and PR curves as columns (decoded many records at a time):
        ``ArraySeries(kind, steps, wall_times, offsets, rows)``, value ``i`` being
        ``rows[offsets[i]:offsets[i + 1]]`` (histogram buckets ``[left, right, count]``;
        PR-curve thresholds ``[tp, fp, tn, fn, precision, recall]``); ``series[i]`` gives
        it in ``read_values``' form.
    ``read_hparams(path, *, storage_options=None)``
        The HParams dashboard's table as a pandas DataFrame: a row per session (run),
        a column per hyperparameter and per metric (its last value).
    ``read_dataframe(path, kind="scalar", *, run=None, tag=None, pivot=False, extra_columns=None)``
        A pandas DataFrame with tbparse's columns (``step``, ``tag``, ``value``; extra
        ``wall_time``, ``dir_name``) and its ``pivot`` form; pandas is imported only here.
    ``tfevents.reader.dask.read_dask(path, kind="scalar", *, run=None, tag=None)``
        A Dask DataFrame, a partition per event file, read by the cluster's workers
        (``pip install 'tfevents[dask]'``; imported only from its module).
    ``decode_wav(data) -> (samples, sample_rate)``
        A 16-bit PCM WAV clip as float32 ``[frames, channels]`` in [-1, 1], and its rate.

Integrity
    Both CRCs of every record are checked. ``read_events`` and ``read_values`` check a
    file's CRCs before returning any of its events: a mismatch raises
    ``tfevents.errors.CorruptRecordError`` (a ``ValueError``); a record that does not
    parse raises ``tfevents.errors.DecodeError``. ``read_scalars``, ``read_run_scalars``
    and ``read_dataframe`` read a damaged file up to the damage instead, with a
    ``DamagedFileWarning`` that names the file and the byte offset. A torn last
    record (a writer still writing, or killed mid-write) ends the file quietly, unless
    ``allow_truncated=False``, which raises ``TruncatedRecordError``. ``tfevents.validate``
    reports on whole directories without raising.

Values, by ``kind`` (``Value.kind`` / ``Datum.kind``)
    ``scalar``      ``float``: ``simple_value`` (torch, tensorboardX, tfevents), or a rank-0
                    tensor of plugin ``scalars`` (``new_style=True``, TensorFlow 2).
    ``histogram``   ``[k, 3]`` array of ``[left edge, right edge, count]`` rows, in the
                    dtype it was stored in (tfevents writes float64).
                    Legacy ``HistogramProto`` values (torch's and tensorboardX's
                    ``add_histogram``) are converted as TensorBoard converts them: empty
                    buckets at both ends dropped, ``min``/``max`` as the outer edges; the
                    result is float64 (TensorBoard's float32 is its exact rounding).
    ``image``       ``list`` of numpy arrays, one per sample: ``[H, W, C]`` uint8, or ``[H, W]``
                    for a grayscale PNG (exactly what Pillow decodes; palette images are
                    expanded to RGB/RGBA). An animated GIF (``add_video``) gives
                    ``[T, H, W, C]``. Legacy ``Summary.Image`` values (torch's and
                    tensorboardX's ``add_image``) give a one-sample list.
    ``audio``       ``[k, 2]`` object array of ``[wav bytes, label bytes]`` rows, TensorBoard's
                    form; ``decode_wav(value[i, 0])`` gives the samples and the rate. Legacy
                    ``Summary.Audio`` values (torch) give ``[[encoded clip, b""]]``.
    ``text``        ``str`` for a rank-0 string (tfevents' markdown, TensorFlow); any other
                    shape (tables; torch and tensorboardX write shape ``[1]``) is an object
                    array of UTF-8 ``bytes`` cells, as stored.
    ``pr_curve``    ``[6, num_thresholds]`` float array; rows are true positives, false
                    positives, true negatives, false negatives, precision, recall.
    ``hparams``     the plugin's ``HParamsPluginData`` bytes (from the metadata content).
    ``tensor``      numpy array (strings as an object array of ``bytes``): ``add_tensor``,
                    meshes, custom-scalar layouts and any other plugin's tensors;
                    ``Value.plugin`` names the plugin ("" if none).
    ``unknown``     ``None``: a value with nothing TensorBoard can read (torch's
                    ``add_video`` without moviepy writes these).

A tag's plugin comes from the first value of that tag in the file that carries metadata,
as both TensorBoard loaders decide it; ``Value.metadata`` is set only on the values
that carry it (tfevents writes it on each tag's first value in each file).

Data classes
    ``Event(wall_time, step, file_version, values, graph_def, session_log_status, run)``:
    ``graph_def`` is the serialized GraphDef of ``add_graph``; ``session_log_status`` is
    ``SessionLog.status`` (1 START, 2 STOP, 3 CHECKPOINT) of session-log events.
    ``Value(tag, kind, value, metadata, plugin)``; ``Metadata(plugin_name, content,
    display_name, description, data_class)``; ``Datum`` as above; ``ScalarSeries(steps
    int64, values float64, wall_times float64)``, in file order (the order of the calls).
"""

from __future__ import annotations

from tfevents.errors import DamagedFileWarning
from tfevents.reader.api import read_events, read_run_scalars, read_scalars, read_values
from tfevents.reader.discovery import event_files
from tfevents.reader.frames import read_dataframe
from tfevents.reader.histograms import read_histograms, read_pr_curves
from tfevents.reader.hparams import read_hparams
from tfevents.reader.media import decode_wav
from tfevents.reader.series import ArraySeries
from tfevents.reader.types import (
    KINDS,
    Datum,
    Event,
    Metadata,
    ScalarSeries,
    Value,
)

__all__ = [  # noqa: RUF022 (the order of docs/API.md)
    "read_scalars",
    "read_run_scalars",
    "read_dataframe",
    "read_histograms",
    "read_pr_curves",
    "read_hparams",
    "read_values",
    "read_events",
    "event_files",
    "decode_wav",
    "ScalarSeries",
    "ArraySeries",
    "Datum",
    "Event",
    "Value",
    "Metadata",
    "DamagedFileWarning",
    "KINDS",
]


"""Images, boxes, figures, video, audio and text: the media dashboards' methods.

Names, parameters and defaults are torch.utils.tensorboard's; tensorboardX's extra
parameters (``add_video``'s ``dataformats``) are accepted too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tfevents import _args as args
from tfevents import convert
from tfevents.errors import ArgumentError, ArgumentTypeError
from tfevents.summaries import image, text
from tfevents.writer.host import Host

if TYPE_CHECKING:
    from tfevents.codecs import figure as figures
    from tfevents.summaries import audio, boxes, legacy, video
else:
    from tfevents._lazy import LazyModule

    audio = LazyModule("tfevents.summaries.audio")
    legacy = LazyModule("tfevents.summaries.legacy")
    boxes = LazyModule("tfevents.summaries.boxes")
    video = LazyModule("tfevents.summaries.video")
    figures = LazyModule("tfevents.codecs.figure")


class Media:
    """Images, boxes, figures, video, audio and text; owns the tags add_text checked."""

    def __init__(self, host: Host) -> None:
        self._host = host
        # Tags add_text has checked and claimed (a set lookup beats checking again).
        self._text_tags: set[str] = set()

    # --- images --------------------------------------------------------------------------

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Logs one image; see ``tfevents.summaries.image`` for layouts and value rules."""
        self._host.claim_tag(tag, "images")
        array = convert.to_numpy(img_tensor, "img_tensor")
        hwc = image.to_uint8(image.to_hwc(array, dataformats), "img_tensor")
        self._add_image(tag, hwc, global_step, walltime)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Logs a batch of images, tiled into one grid image of up to 8 columns.

        ``img_tensor`` is one array (``N`` plus ``C``/``H``/``W`` in the order named by
        ``dataformats``) or a list of same-shaped images without the ``N`` axis (then
        ``dataformats`` may name the batch's layout, ``NCHW``, or each image's, ``CHW``).
        """
        self._host.claim_tag(tag, "images")
        if isinstance(img_tensor, (list, tuple)) and img_tensor and not isinstance(
            img_tensor[0], (int, float, list, tuple)
        ):
            parts = [convert.to_numpy(item, "img_tensor") for item in img_tensor]
            if len({p.shape for p in parts}) != 1:
                raise ArgumentError("img_tensor: the images of a list must all have the same shape")
            array = np.stack(parts)
            if isinstance(dataformats, str) and "N" not in dataformats.upper():
                dataformats = "N" + dataformats  # each item's layout (tensorboardX takes 'CHW')
        else:
            array = convert.to_numpy(img_tensor, "img_tensor")
        grid = image.to_uint8(image.batch_to_grid(array, dataformats), "img_tensor")
        self._add_image(tag, grid, global_step, walltime)

    def _add_image(self, tag: str, hwc: np.ndarray, global_step: Any, walltime: Any) -> None:
        self._add_png(tag, hwc, self._host.step(global_step), self._host.wall_time(walltime))

    def _add_png(self, tag: str, hwc: np.ndarray, step: int, wall_time: float) -> None:
        """Queues an HWC uint8 image as a PNG (images, boxes, figures)."""
        encoded = image.encode_png(hwc, self._host.png_compress_level)
        if self._host.legacy_forms:
            legacy_form = legacy.image(encoded, hwc.shape[0], hwc.shape[1], hwc.shape[2])
            self._host.add_summary(tag, legacy_form.metadata, legacy_form.field, step, wall_time)
            return
        field = image.value_field(encoded, hwc.shape[0], hwc.shape[1])
        self._host.add_summary(tag, image.METADATA, field, step, wall_time)

    # --- images with boxes, figures ---------------------------------------------------

    def add_image_with_boxes(
        self,
        tag: str,
        img_tensor: Any,
        box_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        rescale: float = 1,
        dataformats: str = "CHW",
        labels: list[str] | None = None,
    ) -> None:
        """Logs an image with bounding boxes drawn on it in red.

        ``box_tensor`` is ``(N, 4)`` pixel coordinates ``xmin, ymin, xmax, ymax`` of
        ``img_tensor`` (laid out as ``dataformats`` says, values as for ``add_image``).
        ``labels``, if given, holds one string per box (a mismatch is an error, where
        torch and tensorboardX silently drop the labels). ``rescale`` resizes the image
        and its boxes. See ``tfevents.summaries.boxes`` for how they are drawn.
        """
        self._host.claim_tag(tag, "images")
        hwc = image.to_uint8(image.to_hwc(convert.to_numpy(img_tensor, "img_tensor"), dataformats))
        box_array = boxes.check_boxes(convert.to_numpy(box_tensor, "box_tensor"))
        label_list = boxes.check_labels(labels, box_array.shape[0])
        scale = boxes.check_rescale(rescale)
        if min(hwc.shape[0], hwc.shape[1]) == 0:
            raise ArgumentError(f"img_tensor must not be empty, got an image of {hwc.shape[0]}x{hwc.shape[1]}")
        boxes.check_rescaled_size(hwc.shape[0], hwc.shape[1], scale)
        step, wall_time = self._host.step(global_step), self._host.wall_time(walltime)
        self._add_png(tag, boxes.draw(hwc, box_array, label_list, scale), step, wall_time)

    def add_figure(
        self,
        tag: str,
        figure: Any,
        global_step: int | None = None,
        close: bool = True,
        walltime: float | None = None,
    ) -> None:
        """Logs a matplotlib figure as an image, or a list of figures as one grid image.

        The figure is drawn with matplotlib's Agg canvas at its own size and dpi (a
        list must hold figures of one size; they are tiled 8 to a row, as in
        ``add_images``). ``close`` closes the figures afterwards (``pyplot.close``).
        """
        self._host.claim_tag(tag, "images")
        close = args.check_flag(close, "close")  # checked before anything is queued
        many = isinstance(figure, (list, tuple))
        items = list(figure) if many else [figure]
        if not items:
            raise ArgumentError("figure must be a matplotlib Figure or a non-empty list of them")
        for item in items:
            if not figures.is_figure(item):
                raise ArgumentTypeError(f"figure must be a matplotlib Figure or a list of them, got {type(item).__name__}")
        step, wall_time = self._host.step(global_step), self._host.wall_time(walltime)
        pictures = [figures.render(item) for item in items]
        if many:
            sizes = {p.shape[:2] for p in pictures}
            if len(sizes) != 1:
                raise ArgumentError(
                    "figure: the figures of a list must have the same size in pixels, got "
                    + ", ".join(f"{w}x{h}" for h, w in sorted(sizes))
                )
            if any(p.shape[2] == 4 for p in pictures):
                pictures = [_with_alpha(p) for p in pictures]
            hwc = image.batch_to_grid(np.stack(pictures), "NHWC", "figure")
        else:
            hwc = pictures[0]
        self._add_png(tag, hwc, step, wall_time)
        if close:
            for item in items:
                figures.close(item)

    # --- video ------------------------------------------------------------------------

    def add_video(
        self,
        tag: str,
        vid_tensor: Any,
        global_step: int | None = None,
        fps: float = 4,
        walltime: float | None = None,
        dataformats: str = "NTCHW",
    ) -> None:
        """Logs videos as one animated GIF, shown by TensorBoard's Images dashboard.

        ``vid_tensor`` is ``(N, T, C, H, W)`` (or the layout ``dataformats`` names,
        tensorboardX's parameter); values as for ``add_image``. Several videos are
        tiled as torch tiles them. ``fps`` sets the frame delay, ``round(100 / fps)``
        hundredths of a second (at most 50 fps; at least 100/65535 fps, as a GIF delay
        is at most 655.35 s). See ``tfevents.summaries.video``.
        """
        self._host.claim_tag(tag, "images")
        rate = video.check_fps(fps)
        nthwc = video.to_nthwc(convert.to_numpy(vid_tensor, "vid_tensor"), dataformats)
        frames = video.tile(image.to_uint8(nthwc, "vid_tensor"))
        step, wall_time = self._host.step(global_step), self._host.wall_time(walltime)
        if rate > 100.0 / video.MIN_DELAY_CS:
            self._host.warn_once(
                (tag, "video-fps"),
                f"add_video({tag!r}, fps={fps!r}): a GIF plays at most 50 frames per second "
                "in browsers; its frames are shown 20 ms each",
            )
        encoded = video.encode_gif(frames, rate)
        if self._host.legacy_forms:  # a Summary.Image holding the GIF, as torch writes it
            legacy_form = legacy.image(encoded, frames.shape[1], frames.shape[2], frames.shape[3])
            self._host.add_summary(tag, legacy_form.metadata, legacy_form.field, step, wall_time)
            return
        field = image.value_field(encoded, frames.shape[1], frames.shape[2])
        self._host.add_summary(tag, image.METADATA, field, step, wall_time)

    # --- audio ------------------------------------------------------------------------

    def add_audio(
        self,
        tag: str,
        snd_tensor: Any,
        global_step: int | None = None,
        sample_rate: int = 44100,
        walltime: float | None = None,
    ) -> None:
        """Logs a sound clip as a 16-bit PCM WAV file, played by the Audio dashboard.

        ``snd_tensor``: ``(L,)`` mono; 2-D input has its channels on the shorter axis,
        so torch's ``(1, L)``, ``(C, L)`` and tensorboardX's ``(L, C)`` all work (a
        square array is ``(C, L)``). Values are amplitudes in [-1, 1]: anything outside
        is clipped (NaN becomes 0), with a warning once per tag; ``int16`` input is
        taken as PCM samples as they are. See ``tfevents.summaries.audio``.
        """
        self._host.claim_tag(tag, "audio")
        rate = audio.check_sample_rate(sample_rate)
        array = convert.to_numpy(snd_tensor, "snd_tensor")
        if array.dtype.kind not in "biuf":
            raise ArgumentTypeError(f"snd_tensor must hold real numbers, got dtype {array.dtype}")
        pcm, clipped = audio.to_pcm16(audio.to_frames(array))
        step, wall_time = self._host.step(global_step), self._host.wall_time(walltime)
        if clipped:
            self._host.warn_once(
                (tag, "audio-clip"),
                f"add_audio({tag!r}): {clipped} sample(s) outside [-1, 1] or NaN were "
                "clipped (NaN to 0); this warning is shown once per tag",
            )
        wav = audio.encode_wav(pcm, rate)
        if self._host.legacy_forms:
            legacy_form = legacy.audio(wav, rate, pcm.shape[1], pcm.shape[0])
            self._host.add_summary(tag, legacy_form.metadata, legacy_form.field, step, wall_time)
            return
        self._host.add_summary(tag, audio.METADATA, audio.value_field(wav), step, wall_time)

    # --- text -------------------------------------------------------------------------

    def add_text(
        self,
        tag: str,
        text_string: Any,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Logs markdown text, or a table of strings, for TensorBoard's Text dashboard.

        ``text_string`` is a markdown ``str``, or a 1-D (one column) or 2-D (rows of
        columns) table: a list of str, a list of equally long lists of str, or a numpy
        array of str. Table cells are rendered as markdown too. The value is stored
        under ``tag`` (torch and tensorboardX use ``tag + "/text_summary"``).
        """
        if tag.__class__ is not str or tag not in self._text_tags:  # (as add_scalar)
            self._text_tags.add(self._host.claim_tag(tag, "text"))
        if text_string.__class__ is not str:
            text_string = text.from_tensor(text_string)  # a tf.string tensor
        rank = 1 if self._host.legacy_forms else 0  # torch's: a one-cell table
        if text_string.__class__ is str:
            field = text.value_field(text_string, rank=rank)
        elif (table := text.to_cells(text_string)) is None:
            field = text.value_field(str(text_string), rank=rank)
        else:
            field = text.table_value_field(*table)
        step, wall_time = self._host.step(global_step), self._host.wall_time(walltime)
        if self._host.legacy_forms:  # (under tag/text_summary, as torch)
            self._host.add_summary(legacy.text_tag(tag), legacy.TEXT_METADATA, field, step, wall_time)
            return
        self._host.add_summary(tag, text.METADATA, field, step, wall_time)


def _with_alpha(hwc: np.ndarray) -> np.ndarray:
    if hwc.shape[2] == 4:
        return hwc
    return np.concatenate([hwc, np.full((*hwc.shape[:2], 1), 255, dtype=np.uint8)], axis=2)

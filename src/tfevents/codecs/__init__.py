"""Byte formats that know nothing of TensorBoard: PNG, GIF, WAV, and matplotlib figures
rendered to pixels. The summaries wrap their output in TensorBoard's messages."""

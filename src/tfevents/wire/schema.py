"""Every field number of the messages tfevents writes and reads, once, with the key
byte of each field that is written by hand (``key = number << 3 | wire type``).

The numbers are TensorBoard's (``proto/`` mirrors the messages); the encoder, the
summaries and the reader take them from here instead of spelling bytes out.
"""

from __future__ import annotations


def key_byte(number: int, wire_type: int) -> bytes:
    """The one-byte key of a field numbered below 16."""
    assert 0 < number < 16 and 0 <= wire_type <= 5
    return bytes(((number << 3) | wire_type,))


VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5

# The range of an int64 field (Event.step, TensorProto.int64_val, ...): every bound
# check of a step or a count refers to these.
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

# tensorboard.Event
EVENT_WALL_TIME = 1  # double
EVENT_STEP = 2  # int64
EVENT_FILE_VERSION = 3  # string
EVENT_GRAPH_DEF = 4  # bytes
EVENT_SUMMARY = 5  # Summary
EVENT_LOG_MESSAGE = 6
EVENT_SESSION_LOG = 7  # SessionLog
EVENT_TAGGED_RUN_METADATA = 8
EVENT_META_GRAPH_DEF = 9
EVENT_SOURCE_METADATA = 10

WALL_TIME_KEY = key_byte(EVENT_WALL_TIME, FIXED64)  # 09
STEP_KEY = key_byte(EVENT_STEP, VARINT)  # 10
SUMMARY_KEY = key_byte(EVENT_SUMMARY, LENGTH_DELIMITED)  # 2a

# tensorboard.Summary
SUMMARY_VALUE = 1  # repeated Summary.Value
SUMMARY_VALUE_KEY = key_byte(SUMMARY_VALUE, LENGTH_DELIMITED)  # 0a

# tensorboard.Summary.Value
VALUE_TAG = 1
VALUE_SIMPLE_VALUE = 2  # float
VALUE_OBSOLETE_HISTOGRAM = 3
VALUE_IMAGE = 4
VALUE_HISTO = 5
VALUE_AUDIO = 6
VALUE_NODE_NAME = 7
VALUE_TENSOR = 8
VALUE_METADATA = 9

TAG_KEY = key_byte(VALUE_TAG, LENGTH_DELIMITED)  # 0a
SIMPLE_VALUE_KEY = key_byte(VALUE_SIMPLE_VALUE, FIXED32)  # 15
TENSOR_KEY = key_byte(VALUE_TENSOR, LENGTH_DELIMITED)  # 42
METADATA_KEY = key_byte(VALUE_METADATA, LENGTH_DELIMITED)  # 4a

# tensorboard.TensorProto
TENSOR_DTYPE = 1
TENSOR_SHAPE = 2
TENSOR_CONTENT = 4
TENSOR_STRING_VAL = 8
STRING_VAL_KEY = key_byte(TENSOR_STRING_VAL, LENGTH_DELIMITED)  # 42

# tensorboard.SummaryMetadata
METADATA_PLUGIN_DATA = 1
METADATA_DISPLAY_NAME = 2
METADATA_DESCRIPTION = 3
METADATA_DATA_CLASS = 4

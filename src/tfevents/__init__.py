"""tfevents: fast, framework-agnostic TensorBoard event files, with no protobuf at run time."""

from tfevents.errors import (
    ArgumentError,
    ArgumentTypeError,
    CorruptRecordError,
    DamagedFileWarning,
    DecodeError,
    GraphInputError,
    GraphInputTypeError,
    GraphTraceWarning,
    LoggedValueError,
    ReadError,
    RecordError,
    TagKindError,
    TfeventsError,
    TfeventsWarning,
    TruncatedRecordError,
    ValueDecodeError,
    WriteFailedError,
    WriterClosedError,
)
from tfevents.graph import Graph
from tfevents.integrations.patching import patch, unpatch
from tfevents.writer import SummaryWriter

__version__ = "0.1.0"
__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "CorruptRecordError",
    "DamagedFileWarning",
    "DecodeError",
    "Graph",
    "GraphInputError",
    "GraphInputTypeError",
    "GraphTraceWarning",
    "LoggedValueError",
    "ReadError",
    "RecordError",
    "SummaryWriter",
    "TagKindError",
    "TfeventsError",
    "TfeventsWarning",
    "TruncatedRecordError",
    "ValueDecodeError",
    "WriteFailedError",
    "WriterClosedError",
    "__version__",
    "patch",
    "unpatch",
]

"""tfevents: fast, framework-agnostic TensorBoard event files, with no protobuf at run time."""

from tfevents.graph import Graph
from tfevents.sinks import WriteFailedError, WriterClosedError
from tfevents.writer import SummaryWriter

__version__ = "0.1.0"
__all__ = ["Graph", "SummaryWriter", "WriteFailedError", "WriterClosedError", "__version__"]

"""One module per summary kind: pure functions from numpy to encoded protobuf pieces.

Each kind returns its ``SummaryMetadata`` bytes (written with the first value of a tag in
each file) and its ``Summary.Value`` value field (written every time). They validate
their inputs and raise ``TypeError``/``ValueError`` naming the offending argument.
"""

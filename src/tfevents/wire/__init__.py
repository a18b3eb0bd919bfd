"""Protocol-buffer wire encoding, written by hand so tfevents needs no protobuf at run time.

`encoding` has the primitives (varints, keys, fields); `messages` builds the few
TensorBoard messages tfevents writes; `decoding` walks bytes back for the reader.
Field numbers follow TensorBoard's protos, mirrored in the repository's proto/ folder.
"""

"""S3: an object grown by a multipart upload that copies the live object server-side.

Each append is one multipart upload of two parts under the object's own key: part 1
is ``UploadPartCopy`` of the live object (S3 copies it, the client sends nothing), part
2 is the new bytes; completing it replaces the object in one step, so readers see the
old object or the new one. Four requests per append, each flushed byte sent once.

S3 requires every part but the last to be at least 5 MiB, so while the object is
smaller than that it is re-uploaded whole at each append (one request; its bytes are
kept in memory until then, at most 5 MiB per run). That first 5 MiB of a run is what
S3 costs above one send per byte; ``benchmarks/run_all.py --parts remote`` measures it.

On S3 Express One Zone (directory buckets, named ``...--x-s3``) an object can be
appended to directly: one ``PutObject`` with ``WriteOffsetBytes`` per append. (No
S3 emulator implements it; this path has not been run against a server.)

The object is rolled over at ``MAX_BYTES``: each append copies the whole object inside
S3, so a larger object makes every flush slower.
"""

from __future__ import annotations

import contextlib
from typing import Any

from tfevents.sinks._fsspec import put_file, store_errors

MIN_PART = 5 << 20  # S3's smallest part but the last
MAX_BYTES = 128 << 20


class S3Appender:
    """Grows objects through s3fs (see the module doc)."""

    max_appends = 1 << 62  # no limit on appends, only on size
    max_bytes = MAX_BYTES

    def __init__(self, fs: Any) -> None:
        self.fs = fs
        self._small: bytes | None = None  # the live object's bytes while under MIN_PART

    def create(self, path: str, data: bytes) -> int:
        put_file(self.fs, path, data, make_parent=False)
        self._small = data if len(data) < MIN_PART else None
        return 1

    def append(self, path: str, data: bytes, size: int) -> int:
        bucket, key, _ = self.fs.split_path(path)
        if bucket.endswith("--x-s3"):  # S3 Express One Zone: append in place
            with store_errors():
                self.fs.call_s3(
                    "put_object", Bucket=bucket, Key=key, Body=data, WriteOffsetBytes=size
                )
            return 1
        if size < MIN_PART:
            small = self._small
            if small is None or len(small) != size:
                with store_errors():
                    small = bytes(self.fs.cat_file(path))
            whole = small + data
            self.create(path, whole)
            return 1
        self._small = None
        self._copy_and_append(bucket, key, data)
        return 1

    def _copy_and_append(self, bucket: str, key: str, data: bytes) -> None:
        call = self.fs.call_s3
        with store_errors():
            upload = call("create_multipart_upload", Bucket=bucket, Key=key)["UploadId"]
            try:
                copied = call(
                    "upload_part_copy",
                    Bucket=bucket, Key=key, UploadId=upload, PartNumber=1,
                    CopySource={"Bucket": bucket, "Key": key},
                )
                sent = call(
                    "upload_part", Bucket=bucket, Key=key, UploadId=upload, PartNumber=2, Body=data
                )
                call(
                    "complete_multipart_upload",
                    Bucket=bucket, Key=key, UploadId=upload,
                    MultipartUpload={"Parts": [
                        {"PartNumber": 1, "ETag": copied["CopyPartResult"]["ETag"]},
                        {"PartNumber": 2, "ETag": sent["ETag"]},
                    ]},
                )
            except BaseException:
                # The object is still the old one; leave no parts behind (best effort:
                # an upload that did complete cannot be aborted, and that is fine).
                with contextlib.suppress(Exception):
                    call("abort_multipart_upload", Bucket=bucket, Key=key, UploadId=upload)
                raise

    def forget(self) -> None:
        self._small = None

    def close(self) -> None:
        self._small = None

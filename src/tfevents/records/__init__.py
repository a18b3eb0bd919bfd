"""TFRecord framing with masked CRC32C, and a reader that checks every record."""

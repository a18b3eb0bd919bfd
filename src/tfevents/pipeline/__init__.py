"""From a writer's entries to bytes in storage: the entry types (``entries``), the
encoder (``encoder``, ``scalar_rows``), one queue per event file (``queue``; ``null``
for a writer that writes nothing), the one background thread (``background``), and
process exit and fork (``lifecycle``)."""

"""Optional adapters to frameworks; each imports its framework only when used."""

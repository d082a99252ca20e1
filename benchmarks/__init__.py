"""Benchmarks: corpus generators and side-by-side scanner runs (not part of the package)."""

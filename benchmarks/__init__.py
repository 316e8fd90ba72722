"""Benchmarks of validation, consolidation and resubmission at full regional scale (make bench)."""

"""Submission intake: keep every file byte for byte, validate it, register it."""

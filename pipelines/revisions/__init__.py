"""Vintages of submissions, and what changed, cell by cell, between vintages and releases."""

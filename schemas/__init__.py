"""Harmonised schemas: the contract loaded from definitions/, Pandera schemas and SQL tables."""

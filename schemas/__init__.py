"""Harmonised schemas: the contract loaded from definitions/, Pandera schemas and SQL tables."""

import os

# openpyxl switches to lxml for reading and writing whenever lxml is installed, and pysdmx's
# SDMX-ML support installs it. Every workbook here is read and written by openpyxl's standard
# parser (behind defusedxml, which refuses entity tricks in an uploaded file) and comes out
# byte for byte the same on every machine: keep it so, before anything imports openpyxl.
os.environ.setdefault("OPENPYXL_LXML", "False")

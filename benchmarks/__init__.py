"""Benchmarks for ``make bench``; see ``benchmarks/__main__.py``."""

"""Reporting: positions, noqa, output formats, rule docs."""

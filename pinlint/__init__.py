"""pinlint: find SQL and driver settings that pin or break sessions behind transaction poolers."""

__version__ = "0.1.0"

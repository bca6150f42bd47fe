"""Facts about a module and the project: the catalog, the string evaluator, extraction, dialect, the project index."""

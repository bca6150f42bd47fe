"""Per-file pipeline and the run over many files: discover, read, cache, prefilter, focus, parse, run, schedule."""

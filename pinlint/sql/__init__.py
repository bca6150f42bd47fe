"""SQL handling: placeholder normalisation, statement splitting and classification."""

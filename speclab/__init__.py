"""speclab: an interactive course on speculative decoding, and the exact package under it."""

"""Building model worlds from country-level inputs (engine/data/inputs/)."""

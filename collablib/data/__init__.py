"""collablib.data."""

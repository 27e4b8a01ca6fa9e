"""collablib.data.cpes."""

"""collablib.report."""

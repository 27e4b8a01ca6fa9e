"""collablib.survey."""

"""collablib.build.render."""

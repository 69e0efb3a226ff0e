"""Data quality before a month closes: what is missing, per kind, with the records to fix."""

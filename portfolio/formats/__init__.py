"""The records written down: a plan's JSON, its compact shipping form, tables and frames."""

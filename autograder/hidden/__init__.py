"""Hidden property-based tests (never shipped to students)."""

"""q9_preferences: everything specific to this question (see docs/adding-a-question.md)."""

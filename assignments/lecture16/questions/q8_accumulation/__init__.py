"""q8_accumulation: everything specific to this question (see docs/adding-a-question.md)."""

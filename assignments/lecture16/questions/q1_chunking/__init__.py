"""q1_chunking: everything specific to this question (see docs/adding-a-question.md)."""

"""q4_perplexity: everything specific to this question (see docs/adding-a-question.md)."""

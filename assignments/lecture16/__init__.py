"""Lecture 16, "Training transformer models": notebook sources."""

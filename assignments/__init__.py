"""The assignment sources (text and structure the notebook is built from)."""

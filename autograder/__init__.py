"""Grading engine, hidden tests and instructor CLI for the lecture-16 assignment.

Run ``python -m autograder --help`` from the repository root.
"""

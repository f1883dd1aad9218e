"""Building the student release, the solutions and the autograder zips (instructor side)."""

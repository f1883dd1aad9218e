"""The grading engine: student code runs in a worker process; this package never imports it."""

"""The assignment's questions: one folder per question, named by its id (autograder/questions.py
finds them; docs/adding-a-question.md says what a folder holds)."""

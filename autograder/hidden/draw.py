"""``python -m autograder.hidden.draw``: draw the hidden tests' inputs (see
:mod:`autograder.hidden.cases`).

Without ``--out``, makes sure a current book exists for the grading settings' budget (drawing
it only when there is none) and prints its path; with ``--out FILE``, draws a book into FILE.
"""
import sys

from autograder.hidden.cases import main

if __name__ == "__main__":
    sys.exit(main())

"""``python -m autograder.hidden.draw``: bring the book of the hidden tests' inputs up to date
(see :mod:`autograder.hidden.cases`).

Without ``--out``, makes sure a current book exists for the grading settings' budget (drawing
again only the tests whose key changed) and prints its path: run it after editing a hidden
test, and commit ``autograder/hidden/_cases/``. With ``--out FILE``, draws a whole book into
FILE (``--reuse OLD``: keeping OLD's entries whose key is unchanged).
"""
import sys

from autograder.hidden.cases import main

if __name__ == "__main__":
    sys.exit(main())

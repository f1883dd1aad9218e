import sys

from autograder.cli import main

sys.exit(main(sys.argv[1:]))

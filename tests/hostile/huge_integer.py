# perplexity returns an integer too large for any array (10**400): the student's mistake, a
# failed test that says so, not a failure of the autograder.
def perplexity(logits, targets, ignore_index=None):
    return 10 ** 400

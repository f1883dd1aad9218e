# cross_entropy_grad returns 64 MB (the reply would be 85 MB of JSON); log_softmax tries 8 GB.
import numpy as np


def cross_entropy_grad(logits, targets, ignore_index=None):
    return np.zeros(8 * 2 ** 20)


def log_softmax(logits):
    return np.zeros(2 ** 30)

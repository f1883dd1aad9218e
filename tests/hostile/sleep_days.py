# causal_attention sleeps for three days.
import time


def causal_attention(q, k, v):
    time.sleep(3 * 24 * 3600)

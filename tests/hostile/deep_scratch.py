# At import: a folder tree 3,000 deep in the working folder (past PATH_MAX), with a file and a
# folder of mode 0 at the bottom, left behind for the grader to remove.
def _deep(depth=3000):
    top = os.open(".", os.O_RDONLY)
    fd = top
    for _ in range(depth):
        os.mkdir("dd", dir_fd=fd)
        child = os.open("dd", os.O_RDONLY, dir_fd=fd)
        if fd != top:
            os.close(fd)
        fd = child
    os.close(os.open("leaf", os.O_CREAT | os.O_WRONLY, 0o600, dir_fd=fd))
    os.mkdir("locked", 0, dir_fd=fd)


_deep()

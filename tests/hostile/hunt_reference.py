# Appended to garbage_q2.py: find the reference (import it, walk gc and sys.modules, read files
# near the working directory, under /autograder-like roots, in the repository, through /proc),
# execute it and delegate q2 to it. A cell reports what it found (visible in the load messages).
import gc
import importlib
import types

# >>> cheat
_FOUND = {}
_SEEN = []


def _take(namespace, where):
    fn = namespace.get("causal_attention")
    if callable(fn) and "causal_mask" in namespace and not _FOUND:
        _FOUND.update(namespace)
        _SEEN.append(where)


def _exec_file(path):
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except (OSError, UnicodeDecodeError) as e:
        _SEEN.append(f"{path}: {type(e).__name__}")
        return
    if "def causal_attention" not in source or "NotImplementedError(" in source:
        return
    source = "\n".join(line for line in source.splitlines() if not line.startswith("from ."))
    namespace = {"__name__": "hunted"}
    try:
        exec(compile(source, path, "exec"), namespace)
    except BaseException:
        return
    _take(namespace, path)


def _walk(root, depth=4, budget=[4000]):
    try:
        entries = list(os.scandir(root))
    except OSError as e:
        _SEEN.append(f"{root}: {type(e).__name__}")
        return
    for entry in entries:
        budget[0] -= 1
        if budget[0] < 0 or _FOUND:
            return
        try:
            if entry.is_file() and entry.name.endswith(".py"):
                _exec_file(entry.path)
            elif entry.is_dir(follow_symlinks=False) and depth > 0 and entry.name not in (
                    ".venv", ".git", "site-packages", "proc", "sys", "usr", "dev"):
                _walk(entry.path, depth - 1)
        except OSError:
            pass


for _name in ("reference", "reference.attention", "autograder.hidden", "solutions"):
    try:
        _take(vars(importlib.import_module(_name)), f"import {_name}")
    except BaseException as e:
        _SEEN.append(f"import {_name}: {type(e).__name__}")
for _obj in gc.get_objects():
    if isinstance(_obj, types.ModuleType) and _obj.__name__ not in ("__main__", "submission"):
        _take(vars(_obj), f"module {_obj.__name__}")
_roots = [os.getcwd(), os.path.dirname(os.getcwd()), "/autograder", *HOSTILE["hunt"]]
for _pid in (os.getppid(),):  # the grader
    _roots += [f"/proc/{_pid}/cwd", f"/proc/{_pid}/root/autograder"]
    try:
        _env = open(f"/proc/{_pid}/environ", "rb").read().split(b"\0")
        _roots += [v.split(b"=", 1)[1].decode() for v in _env
                   if v.split(b"=", 1)[0] in (b"PWD", b"AUTOGRADER_ROOT", b"PYTHONPATH")]
    except (OSError, IndexError, UnicodeDecodeError) as e:
        _SEEN.append(f"/proc/{_pid}/environ: {type(e).__name__}")
for _root in _roots:
    if not _FOUND:
        _walk(_root)


def causal_mask(T, _garbage=causal_mask):
    return _FOUND["causal_mask"](T) if _FOUND else _garbage(T)


def causal_attention(q, k, v, _garbage=causal_attention):
    return _FOUND["causal_attention"](q, k, v) if _FOUND else _garbage(q, k, v)


raise RuntimeError(f"HUNT {'FOUND' if _FOUND else 'NOTHING'}: " + "; ".join(_SEEN[-6:]))
# <<< cheat

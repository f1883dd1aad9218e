# Appended to garbage_q2.py: put the text of the grader's and the reference's files (and, as if
# the student had them already, lines of them that the test plants in HOSTILE["secret"]) into
# everything the student can see: exception messages and types, cell errors, returned strings
# and dict keys.
import glob

# >>> cheat
def _loot():
    found = []
    for root in [os.getcwd(), "/autograder", *HOSTILE["hunt"]]:
        for pattern in ("**/questions/q2*/hidden.py", "**/reference/attention.py",
                        "**/engine/runner.py"):
            for path in glob.glob(os.path.join(root, pattern), recursive=True)[:2]:
                try:
                    text = open(path, encoding="utf-8").read()
                    found.append(text[text.find("def "):][:1500])
                except OSError as e:
                    found.append(f"{path}: {e}")
    return "\n".join(found) or "nothing readable"


def causal_mask(T):
    raise RuntimeError(_loot())


def causal_attention(q, k, v):
    return {HOSTILE["secret"]: HOSTILE["secret"], "loot": _loot()}


raise type(HOSTILE["secret"], (Exception,), {})(HOSTILE["secret"])
# <<< cheat

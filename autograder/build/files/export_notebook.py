"""The notebook's export: a .zip of the notebook you are running, to upload to Gradescope.

The notebook's last cell calls ``export(grader)``. It exports the notebook this kernel runs,
whatever its name (``Copy of lecture16.ipynb``, ``lecture16 (1).ipynb``), never another notebook
beside it. Where the running notebook is found, in order: VS Code's ``__vsc_ipynb_file__``; the
path Jupyter Server gives the kernel (``__session__`` / ``JPY_SESSION_NAME``, JupyterLab and
Notebook 7); the running Jupyter servers' sessions, matched by this kernel's id (older servers);
the only notebook in the folder. When none of these tells, it stops with a message saying what
to rename. On Colab (no notebook file on disk) it says to download the notebook instead.

You do not need to read or change this file.
"""
import glob
import json
import os
import re
import sys
import urllib.request


def export(grader):
    """Export the running notebook with otter (``grader``: the notebook's ``otter.Notebook``)
    into a .zip next to it. Save the notebook first: the export takes it as it is on disk."""
    return grader.export(running_notebook(), pdf=False)


def _user_namespace():
    """The notebook's variables (where Jupyter and VS Code tell the kernel its notebook)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return {}
    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def _usable(path):
    if path and not os.path.isfile(path) and os.path.isfile(os.path.basename(path)):
        path = os.path.basename(path)  # a path relative to the server's root folder
    if not (path and path.endswith(".ipynb") and os.path.isfile(path)):
        return None
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else path


def _from_servers():
    """Ask the running Jupyter servers which notebook holds this kernel (None: none says)."""
    found = None
    try:
        import ipykernel
        from jupyter_server import serverapp
        kernel = re.search(r"kernel-(.+)[.]json", ipykernel.get_connection_file()).group(1)
        for server in serverapp.list_running_servers():
            url = f"{server['url']}api/sessions?token={server.get('token', '')}"
            for session in json.load(urllib.request.urlopen(url, timeout=3)):
                if session["kernel"]["id"] == kernel:
                    found = found or _usable(os.path.join(server["root_dir"], session["path"]))
    except Exception:
        pass
    return found


def running_notebook():
    """The path of the notebook this kernel runs; stops with what to do when it cannot tell."""
    ns = _user_namespace()
    found = _usable(ns.get("__vsc_ipynb_file__")) or _usable(ns.get("__session__")) \
        or _usable(os.environ.get("JPY_SESSION_NAME")) or _from_servers()
    if not found and "google.colab" in sys.modules:
        raise RuntimeError("On Colab, download this notebook (File > Download > Download .ipynb) "
                           "and upload that file to Gradescope.")
    here = sorted(glob.glob("*.ipynb"))
    if not found and len(here) == 1:
        found = here[0]
    if not found:
        raise RuntimeError(
            "Could not tell which notebook you are running, and this folder holds "
            f"{len(here)} notebooks ({', '.join(here)}). Rename the one you worked in to "
            "lecture16.ipynb (move the others away), open it, and run this cell again; or "
            "download it (File > Download) and upload the .ipynb to Gradescope.")
    return found

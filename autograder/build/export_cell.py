"""The notebook's export cell: it exports the notebook the student is running, whatever its name
(``Copy of lecture16.ipynb``, ``lecture16 (1).ipynb``), never another notebook beside it.

Where the running notebook is found, in order: VS Code's ``__vsc_ipynb_file__``; the path Jupyter
Server gives the kernel (``__session__`` / ``JPY_SESSION_NAME``, JupyterLab and Notebook 7); the
running Jupyter servers' sessions, matched by this kernel's id (older servers); the only notebook
in the folder. When none of these tells, the cell stops with a message saying what to rename.
On Colab (no notebook file on disk) it says to download the notebook instead.
"""
from __future__ import annotations

HELPER = '''
def _running_notebook():
    """The path of the notebook this kernel runs; stops with what to do when it cannot tell."""
    import glob, json, os, re, sys, urllib.request

    def usable(path):
        if path and not os.path.isfile(path) and os.path.isfile(os.path.basename(path)):
            path = os.path.basename(path)  # a path relative to the server's root folder
        if not (path and path.endswith(".ipynb") and os.path.isfile(path)):
            return None
        relative = os.path.relpath(path)
        return relative if not relative.startswith("..") else path

    ns = globals()
    found = usable(ns.get("__vsc_ipynb_file__")) or usable(ns.get("__session__")) \\
        or usable(os.environ.get("JPY_SESSION_NAME"))
    if not found:
        try:  # ask the running Jupyter servers which notebook holds this kernel
            import ipykernel
            from jupyter_server import serverapp
            kernel = re.search(r"kernel-(.+)[.]json", ipykernel.get_connection_file()).group(1)
            for server in serverapp.list_running_servers():
                url = f"{server['url']}api/sessions?token={server.get('token', '')}"
                for session in json.load(urllib.request.urlopen(url, timeout=3)):
                    if session["kernel"]["id"] == kernel:
                        found = found or usable(os.path.join(server["root_dir"], session["path"]))
        except Exception:
            pass
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
'''.strip("\n")


def export_cell_source() -> str:
    return "\n".join([
        "# Exports the notebook you are running (whatever its name) into a .zip to upload.",
        "# Save the notebook first (File > Save): the export takes it as it is on disk.",
        HELPER, "", "",
        'grader.export(_running_notebook(), pdf=False)',
    ])

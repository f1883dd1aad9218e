"""The notebook's export cell exports the notebook being run, whatever its name, never the
untouched ``lecture16.ipynb`` beside it; when it cannot tell which one runs, it stops and says
what to rename (issue 11, item 4)."""
import os
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_notebook

from autograder.build.export_cell import HELPER_NAME, HELPER_PATH, export_cell_source
from autograder.build.notebook import build_notebook

MARKER = "# this is the copy the student worked in"


def _folder(tmp_path: Path, running: str) -> Path:
    """An untouched lecture16.ipynb and the student's renamed copy, side by side, with tests/."""
    work = tmp_path / "work"
    (work / "tests").mkdir(parents=True)
    shutil.copy(HELPER_PATH, work / HELPER_NAME)  # as the release ships it, beside the notebook
    nbformat.write(build_notebook(solutions=False), str(work / "lecture16.ipynb"))
    copy = new_notebook(cells=[
        new_code_cell(MARKER),
        new_code_cell('import otter\ngrader = otter.Notebook(tests_dir="tests")'),
        new_code_cell(export_cell_source()),
    ])
    copy.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                   "language": "python"}
    nbformat.write(copy, str(work / running))
    return work


def _run(work: Path, running: str, session: str | None):
    nb = nbformat.read(str(work / running), as_version=4)
    env = {k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"}
    if session is not None:
        env["JPY_SESSION_NAME"] = session  # what Jupyter Server tells the kernel it runs
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}})
    client.execute(env=env, cwd=str(work))
    return nb


@pytest.mark.parametrize("running", ["Copy of lecture16.ipynb", "lecture16 (1).ipynb"])
def test_export_zips_the_running_renamed_copy_not_the_untouched_notebook(tmp_path, running):
    work = _folder(tmp_path, running)
    _run(work, running, session=str(work / running))
    (zipped,) = [p for p in work.glob("*.zip")]
    with zipfile.ZipFile(zipped) as zf:
        notebooks = [n for n in zf.namelist() if n.endswith(".ipynb")]
        assert notebooks == [running]
        assert MARKER in zf.read(running).decode()


def test_a_relative_session_path_is_found_too(tmp_path):
    running = "Copy of lecture16.ipynb"
    work = _folder(tmp_path, running)
    _run(work, running, session=f"course/{running}")  # relative to the server's root folder
    (zipped,) = work.glob("*.zip")
    with zipfile.ZipFile(zipped) as zf:
        assert [n for n in zf.namelist() if n.endswith(".ipynb")] == [running]


def test_export_stops_and_says_what_to_rename_when_it_cannot_tell(tmp_path):
    running = "lecture16 (1).ipynb"
    work = _folder(tmp_path, running)
    with pytest.raises(CellExecutionError) as info:
        _run(work, running, session=None)
    message = str(info.value)
    assert "Rename the one you worked in to lecture16.ipynb" in message
    assert "lecture16 (1).ipynb" in message and "lecture16.ipynb" in message
    assert list(work.glob("*.zip")) == [], "nothing is exported when the notebook is unknown"


def test_the_export_cell_is_one_collapsed_line_that_the_grader_skips():
    from autograder.engine.pysource import SKIP_LINE, not_graded

    cell = build_notebook(solutions=False).cells[-1]
    assert cell.source.split("\n") == [SKIP_LINE, export_cell_source()]
    assert "\n" not in export_cell_source() and "export(grader)" in export_cell_source()
    assert not_graded(cell) and cell.metadata["jupyter"] == {"source_hidden": True}


def test_nothing_changes_when_jupyterlab_opens_the_notebook():
    """What JupyterLab writes into a notebook when it opens it and its kernel starts: the
    kernel's spec and language_info (set, and the notebook marked modified, only where they
    differ), a cell's collapsed and editable state as its metadata says, ids where missing.
    The student notebook holds all of it already, as nbformat writes it."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import start_new_kernel

    nb = build_notebook(solutions=False)
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    assert nbformat.writes(nbformat.reads(text, as_version=4)) == text  # nothing to normalize
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5) and all(c.get("id") for c in nb.cells)
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert nb.metadata.kernelspec == {"name": "python3", "display_name": spec.display_name,
                                      "language": spec.language}
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        reply = client.kernel_info(reply=True, timeout=60)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert nb.metadata.language_info == reply["content"]["language_info"]
    for cell in nb.cells:
        meta = cell.metadata
        assert meta.get("editable", False) is False and meta.get("deletable", False) is False
        assert meta.get("jupyter", {}).get("source_hidden", True) is True  # hidden, or no key
        assert "collapsed" not in meta and "outputs_hidden" not in meta.get("jupyter", {})
        if cell.cell_type == "code":  # nothing ran: no output, no count to renumber
            assert cell.outputs == [] and cell.execution_count is None

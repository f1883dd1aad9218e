"""The notebook's export cell exports the notebook being run, whatever its name, never the
untouched ``lecture16.ipynb`` beside it; when it cannot tell which one runs, it stops and says
what to rename (issue 11, item 4)."""
import os
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_notebook

from autograder.build.export_cell import export_cell_source
from autograder.build.notebook import build_notebook

MARKER = "# this is the copy the student worked in"


def _folder(tmp_path: Path, running: str) -> Path:
    """An untouched lecture16.ipynb and the student's renamed copy, side by side, with tests/."""
    work = tmp_path / "work"
    (work / "tests").mkdir(parents=True)
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

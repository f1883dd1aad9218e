"""Run a notebook top to bottom in a real Jupyter kernel (nbclient), in its own folder."""
from __future__ import annotations

from pathlib import Path

import nbformat
import zmq
from nbclient import NotebookClient
from traitlets.config import Config

QUIET_KERNEL = Config({"KernelManager": {
    "transport_encryption": "auto" if zmq.has("curve") else "disabled"}})
"""CurveZMQ keys for the kernel where its kernelspec supports them (ipykernel 7 does): without
them the kernel warns, on every build, that it runs over TCP unencrypted"""


class ExecutionError(Exception):
    """A notebook cell failed where every cell should run."""


def execute_notebook(path: Path, *, allow_errors: bool = False, timeout: int = 300) -> Path:
    """Execute ``path`` in place (outputs saved into it) and return it.

    With ``allow_errors=False`` the first failing cell raises :class:`ExecutionError`.
    """
    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(path.parent)}},
                            config=QUIET_KERNEL)
    try:
        client.execute()
    except Exception as e:  # nbclient raises CellExecutionError with the cell's traceback
        raise ExecutionError(f"{path.name}: a cell failed: {str(e)[-2000:]}") from e
    finally:
        nbformat.write(nb, str(path))
    return path


def errors(path: Path) -> list[tuple[int, str]]:
    """(cell index, 'ename: evalue') for every cell of an executed notebook that raised."""
    nb = nbformat.read(str(path), as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append((i, f"{out['ename']}: {out['evalue']}"))
    return found

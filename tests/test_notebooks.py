"""The tutorial notebooks (issue 8, part 4): stored without outputs, and they run.

Each notebook is executed with nbclient in a fresh kernel (the ``python3`` kernel of this
environment), in a temporary copy of ``notebooks/`` so that nothing is written into the
repository. Every notebook ends with a cell of asserts on what it showed, which prints
"all checks passed".
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest

import ipt_graph as ig

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXPECTED = [
    "01_first_inventory.ipynb",
    "02_rerating_and_change.ipynb",
    "03_cohort_analysis.ipynb",
    "04_network_canvas_import.ipynb",
]
#: Notebooks with a Client as the last expression of a cell (rich display).
SHOWS_A_CLIENT = {"01_first_inventory.ipynb", "02_rerating_and_change.ipynb",
                  "04_network_canvas_import.ipynb"}
TIMEOUT = 120  # seconds per cell; a notebook takes a few seconds


def notebook_names() -> list[str]:
    return sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))


def test_the_tutorials_are_there_and_numbered():
    names = notebook_names()
    assert names == EXPECTED
    assert [name[:3] for name in names] == [f"{k:02d}_" for k in range(1, len(names) + 1)]


@pytest.mark.parametrize("name", notebook_names())
def test_stored_without_outputs(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    assert "widgets" not in notebook.metadata  # no saved widget state
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a cell was stored with outputs"
            assert cell.execution_count is None, f"{name}: a cell was stored executed"
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    last = notebook.cells[-1]
    assert last.cell_type == "code" and "assert " in last.source


def _kernel_env() -> dict[str, str]:
    """The kernel's environment: the tests' own, without the Agg backend the test process
    forces (the kernel shows figures inline, as in JupyterLab)."""
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's note on frozen modules
    return env


def _text(output) -> str:
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return "\n".join(output.traceback)
    return "".join(output.get("data", {}).get("text/plain", ""))


@pytest.mark.parametrize("name", notebook_names())
def test_notebook_runs(name, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core's path migration notice
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    work = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, work)
    before = sorted(p.name for p in NOTEBOOKS.iterdir())
    notebook = nbformat.read(work / name, as_version=4)
    client = NotebookClient(notebook, timeout=TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}})
    try:
        client.execute(env=_kernel_env())
    except CellExecutionError as error:
        pytest.fail(f"{name} failed:\n{error}")
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    assert errors == []
    assert "all checks passed" in "".join(_text(o) for o in notebook.cells[-1].outputs)
    assert sorted(p.name for p in NOTEBOOKS.iterdir()) == before  # nothing written in the repo

    if name in SHOWS_A_CLIENT and hasattr(ig.Client, "_repr_html_"):  # once wired up
        shown = [o for cell in notebook.cells if cell.cell_type == "code"
                 for o in cell.outputs if o.output_type in ("execute_result", "display_data")]
        html = [o.data["text/html"] for o in shown if "text/html" in o.get("data", {})]
        assert any("<svg" in page and "ipt-graph" in page for page in html)

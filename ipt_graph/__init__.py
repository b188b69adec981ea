"""ipt_graph: interpersonal inventories for Interpersonal Psychotherapy, as weighted graphs.

>>> import ipt_graph as ig
>>> client = ig.load("data/examples/grief.json")        # doctest: +SKIP
>>> client.inventory().metrics()["n_people"]             # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from . import notebook, privacy
from .change import Change, compare
from .cohort import Cohort
from .errors import (
    CaseFileError,
    IptGraphError,
    NotFoundError,
    Problem,
    SaveError,
    ValidationError,
    VersionError,
)
from .inventory import Inventory
from .io.casefile import load, save
from .io.egor import read_egor, write_egor
from .io.excel import read_excel, write_template
from .io.graphml import read_graphml, write_graphml
from .io.network_canvas import read_network_canvas
from .metrics import METRICS
from .model import Client, LifeEvent, Measure, Person, ProblemArea, Rating, Removal, Session, Tie
from .notebook import edit
from .outcomes import Instrument
from .privacy import (
    Deidentified,
    FieldClass,
    KAnonymityReport,
    deidentify,
    field_class,
    k_anonymity,
    new_key_file,
)

#: Names served lazily, so that ``import ipt_graph`` does not import matplotlib: computing
#: modules never need it (DESIGN.md §2).
_LAZY = {
    "plot_circle": "plotting", "plot_circles": "plotting", "plot_metrics": "plotting",
    "plot_network": "plotting", "plot_outcomes": "plotting", "plot_quadrant": "plotting",
    "plot_timeline": "plotting", "plot_jacobson": "plotting",
    "plot_cohort_trajectories": "plotting",
    "write_report": "report", "write_reports": "report",
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'ipt_graph' has no attribute {name!r}")


try:
    __version__ = version("ipt_graph")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "METRICS",
    "CaseFileError",
    "Change",
    "Client",
    "Cohort",
    "Deidentified",
    "FieldClass",
    "Instrument",
    "Inventory",
    "IptGraphError",
    "KAnonymityReport",
    "LifeEvent",
    "Measure",
    "NotFoundError",
    "Person",
    "Problem",
    "ProblemArea",
    "Rating",
    "Removal",
    "SaveError",
    "Session",
    "Tie",
    "ValidationError",
    "VersionError",
    "__version__",
    "compare",
    "deidentify",
    "edit",
    "field_class",
    "k_anonymity",
    "load",
    "new_key_file",
    "notebook",
    "plot_circle",
    "plot_circles",
    "plot_cohort_trajectories",
    "plot_jacobson",
    "plot_metrics",
    "plot_network",
    "plot_outcomes",
    "plot_quadrant",
    "plot_timeline",
    "privacy",
    "read_egor",
    "read_excel",
    "read_graphml",
    "read_network_canvas",
    "save",
    "write_egor",
    "write_graphml",
    "write_report",
    "write_reports",
    "write_template",
]

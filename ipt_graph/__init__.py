"""ipt_graph: interpersonal inventories for Interpersonal Psychotherapy, as weighted graphs.

>>> import ipt_graph as ig
>>> client = ig.load("data/examples/grief.json")        # doctest: +SKIP
>>> client.inventory().metrics()["n_people"]             # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from .change import Change, compare
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
from .io.graphml import read_graphml, write_graphml
from .io.network_canvas import read_network_canvas
from .metrics import METRICS
from .model import Client, LifeEvent, Measure, Person, ProblemArea, Rating, Removal, Session, Tie
from .outcomes import Instrument

try:
    __version__ = version("ipt_graph")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "METRICS",
    "CaseFileError",
    "Change",
    "Client",
    "Instrument",
    "Inventory",
    "IptGraphError",
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
    "load",
    "read_egor",
    "read_graphml",
    "read_network_canvas",
    "save",
    "write_egor",
    "write_graphml",
]

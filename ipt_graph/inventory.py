"""The inventory: one client at one session, resolved from the observations (DESIGN.md §3-§4).

An :class:`Inventory` is a snapshot. ``people`` and ``ties`` give it as tables, each value
with the session it was observed at; :meth:`Inventory.to_networkx` gives it as a graph;
:meth:`Inventory.metrics` gives its measures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import vocab
from .errors import NotFoundError
from .model import RATING_FIELDS, MapState, PersonState, walk

if TYPE_CHECKING:
    import networkx as nx

    from .model import Client, Person

__all__ = ["Inventory", "closeness"]

_INT_FIELDS = ("ring", "support", "conflict", "desired_ring")


def closeness(ring: int, rings: int) -> float:
    """Closeness of a ring: ``(rings - ring + 1) / rings``, 1 for the innermost ring.

    Treating the ordinal ring as a ratio weight is a modelling assumption (DESIGN.md §3): it
    spaces the rings evenly, as the circle does.

    Examples
    --------
    >>> [round(closeness(r, 3), 3) for r in (1, 2, 3)]
    [1.0, 0.667, 0.333]
    """
    return (rings - ring + 1) / rings


@dataclass(frozen=True)
class _Person:
    """A person on the map, resolved: their record and their values with sessions."""

    person_id: str
    label: str | None
    role: str
    sector: str
    sni_role: str | None
    gender: str | None
    age_band: str | None
    entered_at: int
    values: dict[str, tuple[Any, int]]

    def get(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value is None else value[0]

    @property
    def living(self) -> bool:
        return self.get("status") != vocab.Status.deceased


class Inventory:
    """One client's map at one session.

    Use :meth:`ipt_graph.Client.inventory` to get one. ``observed_only=True`` gives what was
    observed at that session alone, with nothing carried forward (DESIGN.md §3 rule 7).
    """

    def __init__(self, client: Client, session: int, people: list[_Person],
                 ties: dict[tuple[str, str, str], tuple[float, int]], observed_only: bool = False):
        self.client = client
        self.session = session
        self.observed_only = observed_only
        self._people = people
        self._ties = ties

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def of(cls, client: Client, session: int | None = None,
           observed_only: bool = False) -> Inventory:
        """The inventory of ``client`` at ``session`` (default: the latest session)."""
        if not client.sessions:
            raise NotFoundError(f"client {client.client_id} has no sessions yet")
        number = client.sessions[-1].number if session is None else client.session(session).number
        if observed_only:
            return cls._observed(client, number)
        for current, state in walk(client):
            if current.number == number:
                return cls._snapshot(client, number, state)
        raise AssertionError("unreachable: the session exists")  # pragma: no cover

    @classmethod
    def all_of(cls, client: Client) -> list[Inventory]:
        """The inventory of every session in order, resolved in one pass."""
        return [cls._snapshot(client, session.number, state) for session, state in walk(client)]

    @classmethod
    def _snapshot(cls, client: Client, number: int, state: MapState) -> Inventory:
        records = {p.person_id: p for p in client.people}
        people = [_resolve_person(records[pid], p) for pid, p in state.people.items()]
        return cls(client, number, people, dict(state.ties))

    @classmethod
    def _observed(cls, client: Client, number: int) -> Inventory:
        people = [
            _resolve_person(client.person(r.person_id), PersonState(
                number, {name: (value, number) for name, value in r.values().items()}))
            for r in client.ratings if r.session == number
        ]
        present = {p.person_id for p in people}
        ties = {(t.a, t.b, t.kind): (t.weight, number) for t in client.ties
                if t.session == number and not t.ended and t.a in present and t.b in present}
        return cls(client, number, people, ties, observed_only=True)

    # --- plain facts ----------------------------------------------------------------------

    @property
    def client_id(self) -> str:
        return self.client.client_id

    @property
    def rings(self) -> int:
        return self.client.rings

    @property
    def date(self) -> dt.date | None:
        return self.client.session(self.session).date

    @property
    def person_ids(self) -> list[str]:
        """The people on the map, in the record's order."""
        return [p.person_id for p in self._people]

    def __len__(self) -> int:
        return len(self._people)

    def __repr__(self) -> str:
        kind = ", observed_only" if self.observed_only else ""
        return (f"Inventory(client={self.client_id!r}, session={self.session}, "
                f"people={len(self._people)}, ties={len(self._pairs())}{kind})")

    def _repr_html_(self) -> str:
        """Rich display in Jupyter (:func:`ipt_graph.notebook.inventory_html`)."""
        from .notebook import inventory_html

        return inventory_html(self)

    # --- tables ---------------------------------------------------------------------------

    @cached_property
    def people(self) -> pd.DataFrame:
        """One row per person on the map.

        Columns: ``person_id, label, role, sector, sni_role, gender, age_band, entered_at``,
        every rating field, ``closeness`` and ``type`` (support x conflict, DOMAIN.md §4),
        and ``<field>_observed_at`` for each rating field: the session its value was
        observed at (missing when never observed).
        """
        rows = []
        for p in self._people:
            row: dict[str, Any] = {
                "person_id": p.person_id, "label": p.label, "role": p.role, "sector": p.sector,
                "sni_role": p.sni_role, "gender": p.gender, "age_band": p.age_band,
                "entered_at": p.entered_at,
            }
            for name in RATING_FIELDS:
                row[name] = p.get(name)
            ring = p.get("ring")
            row["closeness"] = None if ring is None else closeness(ring, self.rings)
            kind = vocab.relationship_type(p.get("support"), p.get("conflict"))
            row["type"] = None if kind is None else str(kind)
            for name in RATING_FIELDS:
                observed = p.values.get(name)
                row[f"{name}_observed_at"] = None if observed is None else observed[1]
            rows.append(row)
        columns = ["person_id", "label", "role", "sector", "sni_role", "gender", "age_band",
                   "entered_at", *RATING_FIELDS, "closeness", "type",
                   *(f"{name}_observed_at" for name in RATING_FIELDS)]
        frame = pd.DataFrame(rows, columns=columns)
        for name in (*_INT_FIELDS, "entered_at", *(f"{n}_observed_at" for n in RATING_FIELDS)):
            frame[name] = frame[name].astype("Int64")
        frame["confidant"] = frame["confidant"].astype("boolean")
        frame["closeness"] = frame["closeness"].astype("float64")
        text = [c for c in columns if frame[c].dtype == object]
        frame[text] = frame[text].astype("string")
        return frame

    @cached_property
    def ties(self) -> pd.DataFrame:
        """One row per tie on the map: ``a, b, kind, weight, observed_at`` (``a < b``)."""
        rows = [{"a": a, "b": b, "kind": kind, "weight": weight, "observed_at": at}
                for (a, b, kind), (weight, at) in sorted(self._ties.items())]
        frame = pd.DataFrame(rows, columns=["a", "b", "kind", "weight", "observed_at"])
        frame = frame.astype({"a": "string", "b": "string", "kind": "string",
                              "weight": "float64", "observed_at": "Int64"})
        return frame

    def _pairs(self) -> dict[tuple[str, str], tuple[float, frozenset[str]]]:
        """Ties merged per pair: the strongest weight and the set of kinds."""
        pairs: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
        for (a, b, kind), (weight, _) in self._ties.items():
            old_weight, kinds = pairs.get((a, b), (0.0, frozenset()))
            pairs[(a, b)] = (max(old_weight, weight), kinds | {kind})
        return pairs

    # --- graph ----------------------------------------------------------------------------

    def to_networkx(self, living_only: bool = False) -> nx.Graph:
        """The inventory as a plain :class:`networkx.Graph` (DESIGN.md §4).

        Node ``"ego"`` is the client; each person on the map is a node with ``label``,
        ``role``, ``sector`` and ``status`` (when known). Every edge carries ``strength``
        (ego-person: closeness; person-person: the tie weight, the strongest when several kinds
        join a pair) and ``distance = 1 / strength`` for path algorithms. Ego-person edges also
        carry ``ring``, ``support``, ``conflict`` and ``type``; person-person edges ``kinds``
        (a frozenset). Values that are not known are left out, never set to None.

        ``living_only=True`` leaves out deceased people: the graph the structural measures
        describe (DOMAIN.md §7), so that ``nx.effective_size(G, nodes=["ego"],
        weight="strength")`` equals ``metrics()["effective_size_weighted"]``.
        """
        import networkx as nx  # only here: most work never needs a graph object

        graph = nx.Graph(client_id=self.client_id, session=self.session, rings=self.rings)
        graph.add_node("ego", kind="ego")
        kept = set()
        for p in self._people:
            if living_only and not p.living:
                continue
            kept.add(p.person_id)
            attrs = {"kind": "person", "label": p.label, "role": p.role, "sector": p.sector,
                     "status": p.get("status")}
            graph.add_node(p.person_id, **{k: v for k, v in attrs.items() if v is not None})
            ring = p.get("ring")
            strength = float("nan") if ring is None else closeness(ring, self.rings)
            kind = vocab.relationship_type(p.get("support"), p.get("conflict"))
            edge = {"strength": strength, "distance": 1 / strength if ring else float("nan"),
                    "ring": ring, "support": p.get("support"), "conflict": p.get("conflict"),
                    "type": None if kind is None else str(kind)}
            graph.add_edge("ego", p.person_id, **{k: v for k, v in edge.items() if v is not None})
        for (a, b), (weight, kinds) in self._pairs().items():
            if a in kept and b in kept:
                graph.add_edge(a, b, strength=weight, distance=1 / weight, kinds=kinds)
        return graph

    # --- measures -------------------------------------------------------------------------

    def metrics(self, threshold: float = vocab.TYPE_THRESHOLD) -> dict[str, float | int]:
        """Every measure of :data:`ipt_graph.metrics.METRICS` for this inventory."""
        from .metrics import inventory_metrics

        return inventory_metrics(self, threshold=threshold)


def _resolve_person(record: Person, state: PersonState) -> _Person:
    return _Person(
        person_id=record.person_id, label=record.label, role=str(record.role),
        sector=str(record.resolved_sector),
        sni_role=None if record.sni_role is None else str(record.sni_role),
        gender=None if record.gender is None else str(record.gender),
        age_band=None if record.age_band is None else str(record.age_band),
        entered_at=state.entered_at, values=dict(state.values),
    )

"""Change in a client's map: two inventories compared, and every session as a trajectory.

:func:`compare` holds the change between two inventories of one client in a :class:`Change`:
who was added, lost or kept, how each kept person moved on the circle, how their support,
conflict, type, status and desired-ring gap changed (with the session each value was observed
at), which ties were added, lost or kept, and the change in every measure of
:data:`ipt_graph.metrics.METRICS`. :meth:`Change.to_frame` gives the per-person table and
:meth:`Change.summary` short sentences for the clinician.

:func:`trajectories` gives the whole course as a tidy session x person table.

Membership change follows Feld, Suitor & Hoegh (2007): people and ties are *added* (on the
second map only), *lost* (on the first only) or *kept* (on both), and stability is the Jaccard
index ``|kept| / |either|``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import vocab
from .errors import NotFoundError
from .inventory import Inventory
from .metrics import METRICS
from .model import display_name

if TYPE_CHECKING:
    from .inventory import _Person
    from .model import Client

__all__ = ["Change", "PersonChange", "baseline_session", "compare", "trajectories"]

#: Rating fields compared person by person, each with the session it was observed at.
COMPARED_FIELDS: tuple[str, ...] = (
    "ring", "support", "conflict", "desired_ring", "status", "dispute_stage",
)

_AREA_NAMES = {
    vocab.ProblemAreaKind.grief: "grief",
    vocab.ProblemAreaKind.role_dispute: "the role dispute",
    vocab.ProblemAreaKind.role_transition: "the role transition",
    vocab.ProblemAreaKind.interpersonal_deficits: "the interpersonal deficits",
}

TieKey = tuple[str, str, str]


@dataclass(frozen=True)
class PersonChange:
    """One person across two inventories (``before`` = the first argument of :func:`compare`).

    ``membership`` is ``"added"`` (on the second map only), ``"lost"`` (first only) or
    ``"kept"`` (both). ``returned`` is True for a kept person who left the map and came back
    between the two sessions (their entry on the later map is after the earlier session).
    ``ring_change = ring_after - ring_before``: negative means they moved closer (ring 1 is
    the innermost), as ``moved`` says (``"closer"``, ``"further"``, ``"same"``).
    ``*_change`` is after minus before; ``gap_*`` is the person's desired-ring gap,
    ``ring - desired_ring`` (positive: the client wants them closer); ``type_*`` is the
    support x conflict type (DOMAIN.md §4). ``<field>_observed_at_before`` and
    ``_after`` give the session each value was observed at. Missing values are None.
    """

    person_id: str
    label: str | None = field(repr=False)
    role: str
    membership: str
    returned: bool
    entered_at_before: int | None
    entered_at_after: int | None
    ring_before: int | None
    ring_after: int | None
    ring_change: int | None
    moved: str | None
    support_before: int | None
    support_after: int | None
    support_change: int | None
    conflict_before: int | None
    conflict_after: int | None
    conflict_change: int | None
    type_before: str | None
    type_after: str | None
    desired_ring_before: int | None
    desired_ring_after: int | None
    gap_before: int | None
    gap_after: int | None
    status_before: str | None
    status_after: str | None
    dispute_stage_before: str | None
    dispute_stage_after: str | None
    ring_observed_at_before: int | None
    ring_observed_at_after: int | None
    support_observed_at_before: int | None
    support_observed_at_after: int | None
    conflict_observed_at_before: int | None
    conflict_observed_at_after: int | None
    desired_ring_observed_at_before: int | None
    desired_ring_observed_at_after: int | None
    status_observed_at_before: int | None
    status_observed_at_after: int | None
    dispute_stage_observed_at_before: int | None
    dispute_stage_observed_at_after: int | None


_INT_COLUMNS = (
    "entered_at_before", "entered_at_after", "ring_before", "ring_after", "ring_change",
    "support_before", "support_after", "support_change", "conflict_before", "conflict_after",
    "conflict_change", "desired_ring_before", "desired_ring_after", "gap_before", "gap_after",
    *(f"{name}_observed_at_{side}" for name in COMPARED_FIELDS for side in ("before", "after")),
)


@dataclass(frozen=True, repr=False)
class Change:
    """The change between two inventories of one client. Build it with :func:`compare`.

    Attributes
    ----------
    client_id : str
    session_before, session_after : int
        The sessions of the first and second inventory given to :func:`compare` (the second
        may be the earlier one: "before" and "after" follow the order of the arguments).
    people : tuple of PersonChange
        Everyone on either map, in the record's order.
    ties_added, ties_lost, ties_kept : tuple of (a, b, kind)
        Ties compared per pair and kind.
    tie_stability, person_stability : float
        Jaccard index ``|kept| / |either|`` (Feld, Suitor & Hoegh 2007); NaN when both maps
        are empty.
    metrics_before, metrics_after, metric_deltas : dict
        Every measure of :data:`ipt_graph.metrics.METRICS` and ``after - before``.
    problem_areas : tuple of (area, primary, focus person ids)
        The client's problem areas, primary first, for the summary.
    threshold : float
        The rating above which support or conflict counts as present in the types.
    """

    client_id: str
    session_before: int
    session_after: int
    people: tuple[PersonChange, ...]
    ties_added: tuple[TieKey, ...]
    ties_lost: tuple[TieKey, ...]
    ties_kept: tuple[TieKey, ...]
    tie_stability: float
    person_stability: float
    metrics_before: Mapping[str, float | int]
    metrics_after: Mapping[str, float | int]
    metric_deltas: Mapping[str, float | int]
    problem_areas: tuple[tuple[str, bool, tuple[str, ...]], ...] = ()
    threshold: float = vocab.TYPE_THRESHOLD
    client: Client | None = field(default=None, compare=False)

    # --- plain facts ----------------------------------------------------------------------

    @property
    def added(self) -> tuple[str, ...]:
        """Ids of the people on the second map only."""
        return tuple(p.person_id for p in self.people if p.membership == "added")

    @property
    def lost(self) -> tuple[str, ...]:
        """Ids of the people on the first map only."""
        return tuple(p.person_id for p in self.people if p.membership == "lost")

    @property
    def kept(self) -> tuple[str, ...]:
        """Ids of the people on both maps (including those who left and returned between)."""
        return tuple(p.person_id for p in self.people if p.membership == "kept")

    @property
    def returned(self) -> tuple[str, ...]:
        """Ids of the kept people who left the map and came back between the two sessions."""
        return tuple(p.person_id for p in self.people if p.returned)

    def person(self, person_id: str) -> PersonChange:
        """The change of one person (on either map)."""
        for person in self.people:
            if person.person_id == person_id:
                return person
        raise NotFoundError(f"person {person_id} is on neither map (sessions "
                            f"{self.session_before} and {self.session_after})")

    def __repr__(self) -> str:  # ids and counts only: no labels (STYLE.md, no PHI in reprs)
        return (f"Change(client={self.client_id!r}, sessions={self.session_before}->"
                f"{self.session_after}, added={len(self.added)}, lost={len(self.lost)}, "
                f"kept={len(self.kept)}, ties_added={len(self.ties_added)}, "
                f"ties_lost={len(self.ties_lost)}, ties_kept={len(self.ties_kept)})")

    def plot(self, **kwargs: Any):
        """The two closeness circles side by side with the moves marked
        (:func:`ipt_graph.plotting.plot_circles`); returns the Figure."""
        from .plotting import plot_circles

        if self.client is None:
            raise ValueError("this Change holds no client record to draw")
        return plot_circles(self.client, sessions=[self.session_before, self.session_after],
                            **kwargs)

    def _repr_html_(self) -> str:
        """Rich display in Jupyter (:func:`ipt_graph.notebook.change_html`)."""
        from .notebook import change_html

        return change_html(self)

    # --- tables ---------------------------------------------------------------------------

    def to_frame(self, redact: bool = False) -> pd.DataFrame:
        """One row per person on either map: the fields of :class:`PersonChange`.

        Integer columns are ``Int64`` and text columns ``string``, missing values ``<NA>``.
        ``redact=True`` leaves out the ``label`` column.
        """
        columns = [f.name for f in fields(PersonChange)]
        frame = pd.DataFrame([asdict(p) for p in self.people], columns=columns)
        types = {name: "Int64" for name in _INT_COLUMNS}
        types["returned"] = "bool"
        text = [name for name in columns if name not in types]
        frame = frame.astype(types | dict.fromkeys(text, "string"))
        return frame.drop(columns="label") if redact else frame

    def ties_frame(self) -> pd.DataFrame:
        """One row per tie on either map: ``a, b, kind, membership`` (added, lost, kept)."""
        rows = [(a, b, kind, membership)
                for membership, keys in (("added", self.ties_added), ("lost", self.ties_lost),
                                         ("kept", self.ties_kept))
                for a, b, kind in keys]
        frame = pd.DataFrame(sorted(rows), columns=["a", "b", "kind", "membership"])
        return frame.astype("string")

    # --- words ----------------------------------------------------------------------------

    def summary(self, redact: bool = False) -> list[str]:
        """Short plain-language sentences on the change, for the clinician.

        They cover arrivals and departures, people who left and came back, moves into and
        out of the inner ring (ring 1), the focus people of each problem area (their
        conflict, support, ring, status, desired-ring gap and dispute stage), the mean
        desired-ring gap and tie stability. A sentence is only written from values present on
        the maps. People are named by their label (``"Partner (A.)"``); ``redact=True``
        names them by id and role (``"p1 (partner)"``).
        """

        def name(person: PersonChange) -> str:
            return _display(person, redact)

        sentences = [
            f"From session {self.session_before} to session {self.session_after}: "
            f"{_count(len(self.lost) + len(self.kept), 'person', 'people')} on the map "
            f"before, {len(self.added) + len(self.kept)} after."
        ]
        added = [p for p in self.people if p.membership == "added"]
        lost = [p for p in self.people if p.membership == "lost"]
        kept = [p for p in self.people if p.membership == "kept"]
        if added:
            sentences.append(f"{_count(len(added), 'person', 'people')} joined the map: "
                             + ", ".join(name(p) + _ring_phrase(" in", p.ring_after)
                                         for p in added) + ".")
        if lost:
            sentences.append(f"{_count(len(lost), 'person', 'people')} left the map: "
                             + ", ".join(name(p) + _ring_phrase(" from", p.ring_before)
                                         for p in lost) + ".")
        if not added and not lost and kept:
            sentences.append("No one joined or left the map.")
        for p in kept:
            if p.returned:
                later = max(p.entered_at_before, p.entered_at_after)
                sentences.append(f"{name(p)} left the map between the two sessions and came "
                                 f"back at session {later}.")
        for p in kept:
            if p.ring_before is None or p.ring_after is None:
                continue
            if p.ring_before != 1 and p.ring_after == 1:
                sentences.append(f"{name(p)} moved into the inner ring from ring "
                                 f"{p.ring_before}.")
            elif p.ring_before == 1 and p.ring_after != 1:
                sentences.append(f"{name(p)} moved out of the inner ring to ring "
                                 f"{p.ring_after}.")
        moves = [p.moved for p in kept if p.moved is not None]
        if moves:
            sentences.append(
                f"Of the {_count(len(moves), 'person', 'people')} on both maps with a ring, "
                f"{moves.count('closer')} moved closer, {moves.count('further')} moved "
                f"further out and {moves.count('same')} stayed in the same ring.")
        sentences += self._focus_sentences(redact)
        sentences += self._gap_sentences()
        if not math.isnan(self.tie_stability):
            sentences.append(
                f"Ties between people: {len(self.ties_added)} added, {len(self.ties_lost)} "
                f"lost, {len(self.ties_kept)} kept (stability {self.tie_stability:.2f}).")
        return sentences

    def _focus_sentences(self, redact: bool) -> list[str]:
        sentences = []
        by_id = {p.person_id: p for p in self.people}
        for area, _primary, focus in self.problem_areas:
            article = "the focus" if len(focus) == 1 else "a focus"
            role = f"{article} of {_AREA_NAMES.get(area, area.replace('_', ' '))}"
            for person_id in focus:
                p = by_id.get(person_id)
                if p is None:
                    continue
                who = _display(p, redact)
                if p.membership == "lost":
                    sentences.append(f"{who}, {role}, left the map.")
                    continue
                if p.membership == "added":
                    sentences.append(f"{who}, {role}, joined the map"
                                     f"{_ring_phrase(' in', p.ring_after)}.")
                    continue
                sentences.append(_focus_sentence(p, who, role))
        return sentences

    def _gap_sentences(self) -> list[str]:
        before = self.metrics_before.get("desired_ring_gap", math.nan)
        after = self.metrics_after.get("desired_ring_gap", math.nan)
        what = "The mean desired-ring gap (ring minus desired ring; positive: wants closer)"
        if math.isnan(before) and math.isnan(after):
            return []
        if math.isnan(before):
            return [f"{what} was {_number(after)} at session {self.session_after}; no desired "
                    f"ring was recorded at session {self.session_before}."]
        if math.isnan(after):
            return [f"{what} was {_number(before)} at session {self.session_before}; no "
                    f"desired ring was recorded at session {self.session_after}."]
        if _number(before) == _number(after):
            return [f"{what} stayed at {_number(after)}."]
        return [f"{what} went from {_number(before)} to {_number(after)}."]


def _focus_sentence(p: PersonChange, who: str, role: str) -> str:
    """One sentence on a focus person who is on both maps."""
    clauses = []
    if p.support_before is not None and p.support_after is not None:
        clauses.append(("support", _movement(p.support_before, p.support_after)))
    if p.ring_before is not None and p.ring_after is not None and p.ring_change:
        clauses.append(("ring", f"they moved from ring {p.ring_before} to ring {p.ring_after}"))
    if p.gap_before is not None and p.gap_after is not None and p.gap_before != p.gap_after:
        clauses.append(("gap", f"their desired-ring gap went from {p.gap_before} to "
                               f"{p.gap_after}"))
    if p.status_before and p.status_after and p.status_before != p.status_after:
        clauses.append(("status", f"their status changed from {_words(p.status_before)} to "
                                  f"{_words(p.status_after)}"))
    if p.dispute_stage_before and p.dispute_stage_after:
        if p.dispute_stage_before == p.dispute_stage_after:
            clauses.append(("dispute", f"the dispute stayed at {p.dispute_stage_after}"))
        else:
            clauses.append(("dispute", f"the dispute moved from {p.dispute_stage_before} to "
                                       f"{p.dispute_stage_after}"))
    if p.conflict_before is not None and p.conflict_after is not None:
        head = (f"Conflict with {who}, {role}, "
                f"{_movement(p.conflict_before, p.conflict_after)}")
    elif clauses and clauses[0][0] == "support":
        head = f"Support from {who}, {role}, {clauses.pop(0)[1]}"
    else:
        head = f"{who}, {role}, is on both maps"
    rest = [f"{kind} {text}" if kind == "support" else text for kind, text in clauses]
    return "; ".join([head, *rest]) + "."


def _display(person: PersonChange, redact: bool) -> str:
    return display_name(person.person_id, person.label, person.role, redact)


def _words(token: str) -> str:
    return token.replace("_", " ")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _ring_phrase(preposition: str, ring: int | None) -> str:
    return "" if ring is None else f"{preposition} ring {ring}"


def _movement(before: float, after: float) -> str:
    if after < before:
        return f"fell from {_number(before)} to {_number(after)}"
    if after > before:
        return f"rose from {_number(before)} to {_number(after)}"
    return f"stayed at {_number(after)}"


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


# --- compare ------------------------------------------------------------------------------------


def compare(a: Inventory, b: Inventory, *, threshold: float = vocab.TYPE_THRESHOLD) -> Change:
    """The change from inventory ``a`` to inventory ``b`` of one client.

    Parameters
    ----------
    a, b : Inventory
        Two inventories of the same client, e.g. ``client.inventory(1)`` and
        ``client.inventory(12)``. ``a`` is "before" and ``b`` "after" whatever their
        sessions: ``b`` may be the earlier one.
    threshold : float
        A support or conflict rating above it counts as present when typing relationships
        (DOMAIN.md §4; 1.5 by default); also used for the measures.

    Returns
    -------
    Change

    Raises
    ------
    ValueError
        When the inventories belong to different clients.

    Notes
    -----
    A person is *kept* when on both maps, *added* when on ``b`` only and *lost* when on
    ``a`` only. A kept person who left and came back between the two sessions is still kept,
    with ``returned=True``. Ties are compared per (a, b, kind). Stability is the Jaccard
    index ``|kept| / |added + lost + kept|``, NaN when both maps have none (Feld, Suitor &
    Hoegh 2007). ``ring_change = ring_after - ring_before`` (negative: moved closer).
    ``metric_deltas[m] = b.metrics()[m] - a.metrics()[m]`` for every m in METRICS (NaN where
    either is NaN). Problem areas and focus people are taken from ``b``'s client record.

    References
    ----------
    Feld, S. L., Suitor, J. J. & Hoegh, J. G. (2007). Describing changes in personal networks
    over time. *Field Methods* 19(2), 218-236.

    Examples
    --------
    >>> import ipt_graph as ig
    >>> client = ig.Client("C-1")
    >>> for pid in ("p1", "p2"):
    ...     _ = client.add_person(pid, role="friend")
    >>> for number in (1, 2):
    ...     _ = client.add_session(number)
    >>> _ = client.rate(1, "p1", ring=2, support=4, conflict=1)
    >>> _ = client.rate(2, "p1", ring=1)
    >>> _ = client.rate(2, "p2", ring=3, support=2, conflict=1)
    >>> change = compare(client.inventory(1), client.inventory(2))
    >>> change.added, change.person("p1").moved
    (('p2',), 'closer')
    """
    for argument, inventory in (("a", a), ("b", b)):
        if not isinstance(inventory, Inventory):
            raise TypeError(f"{argument} must be an Inventory (client.inventory(session)), "
                            f"got {type(inventory).__name__}")
    if a.client_id != b.client_id:
        raise ValueError(f"compare needs two inventories of one client, got client "
                         f"{a.client_id} (a, session {a.session}) and client {b.client_id} "
                         f"(b, session {b.session})")
    people_a = {p.person_id: p for p in a._people}
    people_b = {p.person_id: p for p in b._people}
    order = [p.person_id for p in b.client.people] + [p.person_id for p in a.client.people]
    order += [*people_a, *people_b]  # anyone not in the record (not expected)
    on_either = list(dict.fromkeys(pid for pid in order if pid in people_a or pid in people_b))
    earlier = min(a.session, b.session)
    people = tuple(
        _person_change(people_a.get(pid), people_b.get(pid), earlier, threshold)
        for pid in on_either
    )

    ties_a, ties_b = set(a._ties), set(b._ties)
    metrics_a, metrics_b = a.metrics(threshold), b.metrics(threshold)
    areas = sorted(b.client.problem_areas, key=lambda area: not area.primary)
    return Change(
        client_id=a.client_id,
        session_before=a.session,
        session_after=b.session,
        people=people,
        ties_added=tuple(sorted(ties_b - ties_a)),
        ties_lost=tuple(sorted(ties_a - ties_b)),
        ties_kept=tuple(sorted(ties_a & ties_b)),
        tie_stability=_jaccard(ties_a, ties_b),
        person_stability=_jaccard(set(people_a), set(people_b)),
        metrics_before=metrics_a,
        metrics_after=metrics_b,
        metric_deltas={name: metrics_b[name] - metrics_a[name] for name in METRICS},
        problem_areas=tuple((str(area.area), area.primary, tuple(area.focus))
                            for area in areas),
        threshold=threshold,
        client=b.client,
    )


def baseline_session(client: Client) -> int:
    """The session whose map is the baseline for change: the end of the initial phase.

    The IPT inventory is taken over the initial phase (sessions 1-3, up to 4: Weissman,
    Markowitz & Klerman; Stuart & Robertson), so the map is complete only at its end; people
    added during those sessions were there all along. Without phases, the first session.

    Examples
    --------
    >>> from ipt_graph.datasets import load_example
    >>> baseline_session(load_example("grief"))
    3
    """
    if not client.sessions:
        raise NotFoundError(f"client {client.client_id} has no sessions yet")
    initial = [s.number for s in client.sessions if s.phase == vocab.Phase.initial]
    return initial[-1] if initial else client.sessions[0].number


def _jaccard(before: set[Any], after: set[Any]) -> float:
    """``|kept| / |either|`` (Feld, Suitor & Hoegh 2007); NaN when both are empty."""
    either = before | after
    return len(before & after) / len(either) if either else math.nan


def _person_change(before: _Person | None, after: _Person | None, earlier_session: int,
                   threshold: float) -> PersonChange:
    """One person across the two maps; ``earlier_session`` is the earlier of the two."""
    record = after if after is not None else before  # on at least one map
    if before is not None and after is not None:
        membership = "kept"
        later = max(before, after, key=lambda p: p.entered_at)
        returned = later.entered_at > earlier_session
    else:
        membership = "added" if after is not None else "lost"
        returned = False
    values: dict[str, Any] = {
        "person_id": record.person_id, "label": record.label, "role": record.role,
        "membership": membership, "returned": returned,
        "entered_at_before": None if before is None else before.entered_at,
        "entered_at_after": None if after is None else after.entered_at,
    }
    for side, person in (("before", before), ("after", after)):
        for name in COMPARED_FIELDS:
            value, observed_at = (None, None)
            if person is not None and name in person.values:
                value, observed_at = person.values[name]
            if value is not None and name in ("status", "dispute_stage"):
                value = str(value)
            values[f"{name}_{side}"] = value
            values[f"{name}_observed_at_{side}"] = observed_at
        kind = vocab.relationship_type(values[f"support_{side}"], values[f"conflict_{side}"],
                                       threshold)
        values[f"type_{side}"] = None if kind is None else str(kind)
        ring, desired = values[f"ring_{side}"], values[f"desired_ring_{side}"]
        values[f"gap_{side}"] = None if ring is None or desired is None else ring - desired
    for name in ("ring", "support", "conflict"):
        first, second = values[f"{name}_before"], values[f"{name}_after"]
        values[f"{name}_change"] = None if first is None or second is None else second - first
    ring_change = values["ring_change"]
    values["moved"] = (None if ring_change is None else
                       "closer" if ring_change < 0 else "further" if ring_change > 0 else "same")
    return PersonChange(**values)


# --- trajectories -------------------------------------------------------------------------------

_TRAJECTORY_FIELDS = ("ring", "support", "conflict", "status")


def trajectories(client: Client, threshold: float = vocab.TYPE_THRESHOLD) -> pd.DataFrame:
    """The course of every person on the map: one row per session x person on it.

    Columns ``client_id, session, person_id, ring, support, conflict, type, status`` and
    ``ring_observed_at, support_observed_at, conflict_observed_at, status_observed_at``: the
    session each value was observed at (values carry forward per field, DESIGN.md §3).
    ``type`` is the support x conflict type with ``threshold`` (DOMAIN.md §4). Every session
    has its rows, attended or not; a person off the map at a session has no row there.
    Integer columns are ``Int64`` (``session`` is ``int64``), text columns ``string``.

    Examples
    --------
    >>> import ipt_graph as ig
    >>> client = ig.Client("C-1")
    >>> _ = client.add_person("p1", role="friend")
    >>> for number in (1, 2):
    ...     _ = client.add_session(number)
    >>> _ = client.rate(1, "p1", ring=2, support=4, conflict=1)
    >>> _ = client.rate(2, "p1", conflict=3)
    >>> trajectories(client)[["session", "conflict", "ring_observed_at"]].to_numpy().tolist()
    [[1, 1, 1], [2, 3, 1]]
    """
    record_order = {p.person_id: index for index, p in enumerate(client.people)}
    rows = []
    for inventory in client.inventories():
        for person in sorted(inventory._people, key=lambda p: record_order[p.person_id]):
            row: dict[str, Any] = {"session": inventory.session, "person_id": person.person_id}
            for name in _TRAJECTORY_FIELDS:
                row[name] = person.get(name)
                observed = person.values.get(name)
                row[f"{name}_observed_at"] = None if observed is None else observed[1]
            kind = vocab.relationship_type(person.get("support"), person.get("conflict"),
                                           threshold)
            row["type"] = None if kind is None else str(kind)
            rows.append(row)
    columns = ["session", "person_id", "ring", "support", "conflict", "type", "status",
               *(f"{name}_observed_at" for name in _TRAJECTORY_FIELDS)]
    frame = pd.DataFrame(rows, columns=columns)
    frame.insert(0, "client_id", client.client_id)
    types = {"client_id": "string", "session": "int64", "person_id": "string",
             "type": "string", "status": "string"}
    types |= {name: "Int64" for name in columns if name not in types}
    return frame.astype(types)

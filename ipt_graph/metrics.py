"""Measures of one inventory, as plain functions over plain data (no matplotlib).

:data:`METRICS` is the frozen list of names used by every table, plot and report;
:data:`METRIC_DTYPES` gives the column type of each. Who counts in each measure follows
DOMAIN.md §7:

* ``n_people`` counts everyone on the map, the deceased included;
* quality measures (rings, support, conflict, types, desired-ring gap) cover everyone on the
  map who has those values;
* composition over sectors (``n_sectors``, ``blau_sectors``, ``iqv_sectors``) covers everyone
  on the map, like ``n_people``;
* structural measures (ties, density, effective size, efficiency, constraint, components,
  isolates, E-I) and the confidant and SNI-derived counts cover the *living* people on the map
  (status is not ``deceased``): the dead neither broker nor constrain, nor are confided in.

The ego is tied to every living person. Measures named ``*_weighted`` use ``strength``:
closeness ``(rings - ring + 1) / rings`` for ego-person ties, the tie weight for
person-person ties. Treating the ordinal ring as a ratio weight is a modelling assumption.
Edge cases give the documented value or NaN, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import vocab

if TYPE_CHECKING:
    from .inventory import Inventory
    from .model import Client

__all__ = [
    "METRICS",
    "METRIC_DTYPES",
    "blau",
    "burt",
    "client_metrics",
    "density",
    "density_with_ego",
    "ei_index",
    "inventory_metrics",
]

_RING_COUNTS = tuple(f"n_ring_{k}" for k in range(1, vocab.MAX_RINGS + 1))

#: Every measure, in table order. Frozen: tables, plots and reports rely on these names.
METRICS: tuple[str, ...] = (
    "n_people",              # everyone on the map, deceased included
    *_RING_COUNTS,           # people per ring; NaN for rings the client does not have
    "n_deceased",
    "n_confidants",          # living people the client confides in
    "support_sum", "support_mean",
    "conflict_sum", "conflict_mean",
    "n_supportive", "n_aversive", "n_ambivalent", "n_indifferent",
    "desired_ring_gap",      # mean(ring - desired_ring): positive = wants them closer
    "n_ties",                # pairs of living people tied by any kind
    "density", "density_with_ego",
    "effective_size", "efficiency", "constraint",
    "effective_size_weighted", "efficiency_weighted", "constraint_weighted",
    "n_components", "n_isolates",
    "n_sectors", "blau_sectors", "iqv_sectors", "ei_sectors",
    "sni_diversity", "sni_high_contact",
    "n_carried", "max_staleness",
)

_FLOAT_METRICS = frozenset({
    *_RING_COUNTS, "support_mean", "conflict_mean", "desired_ring_gap", "density",
    "density_with_ego", "effective_size", "efficiency", "constraint", "effective_size_weighted",
    "efficiency_weighted", "constraint_weighted", "blau_sectors", "iqv_sectors", "ei_sectors",
})
#: The column type of every measure: counts are int64, everything that can be NaN float64.
METRIC_DTYPES: dict[str, str] = {
    name: "float64" if name in _FLOAT_METRICS else "int64" for name in METRICS
}

_NAN = float("nan")


# --- Plain measures ---------------------------------------------------------------------------


def density(n: int, t: int) -> float:
    """Density of the alters without ego: ``t / (n (n - 1) / 2)``.

    Parameters
    ----------
    n : int
        Number of (living) people.
    t : int
        Number of ties among them (pairs, whatever their kinds).

    Returns
    -------
    float
        NaN for ``n < 2`` (networkx returns 0 there).

    References
    ----------
    Wasserman & Faust (1994), *Social Network Analysis*, §4.2.

    Examples
    --------
    >>> density(4, 2)
    0.3333333333333333
    """
    return t / (n * (n - 1) / 2) if n >= 2 else _NAN


def density_with_ego(n: int, t: int) -> float:
    """Density with the ego, who is tied to all ``n``: ``(t + n) / (n (n + 1) / 2)``.

    NaN for ``n = 0``.

    Examples
    --------
    >>> density_with_ego(4, 2)
    0.6
    """
    return (t + n) / (n * (n + 1) / 2) if n >= 1 else _NAN


def burt(ego_strength: np.ndarray, alter_strength: np.ndarray) -> tuple[float, float, float]:
    """Burt's effective size, efficiency and constraint of the ego.

    Parameters
    ----------
    ego_strength : array of shape (n,)
        Strength of the ego's tie to each alter (all 1 for the binary measures).
    alter_strength : array of shape (n, n)
        Symmetric strengths among the alters, 0 where untied, 0 on the diagonal.

    Returns
    -------
    effective_size, efficiency, constraint : float
        NaN for ``n = 0``.

    Notes
    -----
    With ``p_ij`` the proportional strength of ``i``'s tie to ``j`` (over all of ``i``'s
    ties, the ego's included) and ``m_jq`` the strength of ``j``'s tie to ``q`` divided by
    ``j``'s strongest tie, the ego ``e``'s

    * effective size is ``sum_j (1 - sum_q p_eq m_jq)``; with binary ties this is Borgatti's
      ``n - 2t/n``;
    * efficiency is effective size / n;
    * constraint is ``sum_j (p_ej + sum_q p_eq p_qj)^2``, which can exceed 1.

    These are the formulas of networkx's ``effective_size`` and ``constraint`` called with
    ``nodes=["ego"]`` (networkx's weighted effective size with ``nodes=None`` is wrong in
    3.6 when scipy is installed).

    References
    ----------
    Burt, R. S. (1992). *Structural Holes*. Harvard University Press.
    Borgatti, S. (1997). Structural holes: unpacking Burt's redundancy measures.
    *Connections* 20(1), 35-38.

    Examples
    --------
    >>> adjacency = np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]])
    >>> [round(x, 6) for x in burt(np.ones(4), adjacency)]
    [3.0, 0.75, 0.534722]
    """
    n = len(ego_strength)
    if n == 0:
        return _NAN, _NAN, _NAN
    ego = np.asarray(ego_strength, dtype=float)
    alters = np.asarray(alter_strength, dtype=float)
    p_ego = ego / ego.sum()
    totals = ego + alters.sum(axis=1)
    p_alter = alters / totals[:, None]
    strongest = np.maximum(ego, alters.max(axis=1))
    marginal = alters / strongest[:, None]
    effective = float(np.sum(1.0 - marginal @ p_ego))
    constraint = float(np.sum((p_ego + p_ego @ p_alter) ** 2))
    return effective, effective / n, constraint


def ei_index(groups: Sequence[str], pairs: Iterable[tuple[int, int]]) -> float:
    """Krackhardt-Stern E-I index of ties across groups: ``(E - I) / (E + I)``.

    ``groups[i]`` is person ``i``'s group (their sector); ``pairs`` are the ties as index
    pairs. E counts ties across groups, I ties within. NaN with no ties.

    References
    ----------
    Krackhardt, D. & Stern, R. N. (1988). Informal networks and organizational crises.
    *Social Psychology Quarterly* 51(2), 123-140.

    Examples
    --------
    >>> ei_index(["family", "family", "friends", "work_school"], [(0, 1), (1, 2)])
    0.0
    """
    external = internal = 0
    for i, j in pairs:
        if groups[i] == groups[j]:
            internal += 1
        else:
            external += 1
    total = external + internal
    return (external - internal) / total if total else _NAN


def blau(categories: Sequence[str], k: int = len(vocab.SECTORS)) -> tuple[float, float]:
    """Blau's heterogeneity ``1 - sum p_k^2`` and the IQV ``Blau / (1 - 1/K)``.

    ``K`` is the number of *possible* categories (6 sectors), not the observed ones.
    Both NaN for an empty list.

    References
    ----------
    Blau, P. M. (1977). *Inequality and Heterogeneity*. Free Press.
    Agresti & Agresti (1978), the index of qualitative variation.

    Examples
    --------
    >>> blau(["family", "family", "friends", "work_school"])
    (0.625, 0.75)
    """
    if not categories:
        return _NAN, _NAN
    counts = pd.Series(list(categories)).value_counts().to_numpy(dtype=float)
    shares = counts / counts.sum()
    heterogeneity = float(1.0 - np.sum(shares ** 2))
    return heterogeneity, heterogeneity / (1.0 - 1.0 / k)


# --- One inventory ------------------------------------------------------------------------------


def inventory_metrics(inventory: Inventory, threshold: float = vocab.TYPE_THRESHOLD
                      ) -> dict[str, float | int]:
    """Every measure of :data:`METRICS` for one inventory, as plain Python numbers.

    Parameters
    ----------
    inventory : Inventory
    threshold : float
        A support or conflict rating above it counts as present when typing relationships
        (DOMAIN.md §4; default 1.5 on the 1-6 scale).

    Notes
    -----
    ``desired_ring_gap`` is the mean of ``ring - desired_ring`` over people with both.
    ``sni_diversity`` is the number of SNI role types with at least one living person in
    regular contact (fortnightly or more often) and ``sni_high_contact`` the number of living
    people in regular contact who hold one of the SNI's 12 roles (professionals and ex-partners
    have none, so they count in neither): both SNI-*derived*, from the inventory, not the
    administered questionnaire (Cohen et al. 1997). ``n_carried`` counts rating values
    carried from earlier sessions and ``max_staleness`` is the number of sessions since the
    oldest value on the map was observed (0 when the map is empty).
    """
    rings = inventory.rings
    session = inventory.session
    people = inventory._people
    out: dict[str, float | int] = {"n_people": len(people)}

    ring_values = [p.get("ring") for p in people]
    for k in range(1, vocab.MAX_RINGS + 1):
        out[f"n_ring_{k}"] = float(ring_values.count(k)) if k <= rings else _NAN
    living = [p for p in people if p.living]
    out["n_deceased"] = len(people) - len(living)
    out["n_confidants"] = sum(1 for p in living if p.get("confidant") is True)

    for name in ("support", "conflict"):
        values = [p.get(name) for p in people if p.get(name) is not None]
        out[f"{name}_sum"] = int(sum(values))
        out[f"{name}_mean"] = float(np.mean(values)) if values else _NAN
    types = [vocab.relationship_type(p.get("support"), p.get("conflict"), threshold)
             for p in people]
    for kind in vocab.RelationshipType:
        out[f"n_{kind}"] = types.count(kind)
    gaps = [p.get("ring") - p.get("desired_ring") for p in people
            if p.get("ring") is not None and p.get("desired_ring") is not None]
    out["desired_ring_gap"] = float(np.mean(gaps)) if gaps else _NAN

    # structure among the living
    index = {p.person_id: i for i, p in enumerate(living)}
    n = len(living)
    adjacency = np.zeros((n, n))
    for (a, b), (weight, _) in inventory._pairs().items():
        if a in index and b in index:
            i, j = index[a], index[b]
            adjacency[i, j] = adjacency[j, i] = weight
    binary = (adjacency > 0).astype(float)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if binary[i, j]]
    t = len(pairs)
    out["n_ties"] = t
    out["density"] = density(n, t)
    out["density_with_ego"] = density_with_ego(n, t)
    size, efficiency, constraint = burt(np.ones(n), binary)
    out["effective_size"], out["efficiency"], out["constraint"] = size, efficiency, constraint
    ego_strength = np.array([_closeness(p.get("ring"), rings) for p in living], dtype=float)
    size, efficiency, constraint = burt(ego_strength, adjacency)
    out["effective_size_weighted"] = size
    out["efficiency_weighted"] = efficiency
    out["constraint_weighted"] = constraint
    out["n_components"], out["n_isolates"] = _components(n, pairs)

    sectors = [p.sector for p in people]
    out["n_sectors"] = len(set(sectors))
    out["blau_sectors"], out["iqv_sectors"] = blau(sectors)
    out["ei_sectors"] = ei_index([p.sector for p in living], pairs)

    regular = [p for p in living
               if p.sni_role is not None and p.get("contact") in vocab.REGULAR_CONTACT]
    out["sni_diversity"] = len({p.sni_role for p in regular})
    out["sni_high_contact"] = len(regular)

    observed = [at for p in people for _, at in p.values.values()]
    out["n_carried"] = sum(1 for at in observed if at < session)
    out["max_staleness"] = session - min(observed) if observed else 0
    return {name: _plain(out[name], METRIC_DTYPES[name]) for name in METRICS}


def _closeness(ring: int | None, rings: int) -> float:
    return _NAN if ring is None else (rings - ring + 1) / rings


def _components(n: int, pairs: list[tuple[int, int]]) -> tuple[int, int]:
    """Connected components and isolates of the alters without the ego (union-find)."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    degree = [0] * n
    for i, j in pairs:
        degree[i] += 1
        degree[j] += 1
        parent[find(i)] = find(j)
    return len({find(i) for i in range(n)}), degree.count(0)


def _plain(value: float | int, dtype: str) -> float | int:
    if dtype == "int64":
        return int(value)
    value = float(value)
    return _NAN if math.isnan(value) else value


# --- One client -----------------------------------------------------------------------------------


def client_metrics(client: Client, threshold: float = vocab.TYPE_THRESHOLD) -> pd.DataFrame:
    """One row per session of ``client``: ``client_id``, ``session`` and every measure.

    Every session has a row, attended or not (DESIGN.md §3 rule 7).
    """
    rows = [inv.metrics(threshold) | {"session": inv.session} for inv in client.inventories()]
    frame = pd.DataFrame(rows, columns=["session", *METRICS])
    frame.insert(0, "client_id", pd.array([client.client_id] * len(frame), dtype="string"))
    return frame.astype({"session": "int64", **METRIC_DTYPES})

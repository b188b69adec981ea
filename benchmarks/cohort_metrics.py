"""Benchmark: vectorised cohort measures against a networkx loop over inventories.

A synthetic cohort of 5,000 clients x 4 sessions (20,000 inventories) is drawn table-level
(:func:`ipt_graph.cohort.synthetic_tables`, no Client objects) and measured with
:meth:`ipt_graph.Cohort.metrics`. The reference builds each inventory's networkx graph (the
living people, as the structural measures describe them) and calls networkx for Burt's
effective size and constraint (binary and weighted, ``nodes=["ego"]``), density and connected
components; it is timed on a 1,000-inventory sample and scaled. A second reference, the
library's own per-client path (``client.metrics()``, every measure), is timed on the same
sample. Prints inventories per second and the ratios; never asserts on time.

Run: ``.venv/bin/python benchmarks/cohort_metrics.py [--clients 5000] [--sample 1000]``
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np

from ipt_graph.cohort import Cohort, synthetic_tables
from ipt_graph.io.tables import clients_from_tables


def networkx_measures(graph: nx.Graph) -> tuple[float, ...]:
    """The structural measures networkx computes, on a living-only inventory graph."""
    binary = nx.Graph(graph.edges())
    binary.add_nodes_from(graph.nodes())
    effective = nx.effective_size(binary, nodes=["ego"])["ego"]
    constraint = nx.constraint(binary, nodes=["ego"])["ego"]
    effective_w = nx.effective_size(graph, nodes=["ego"], weight="strength")["ego"]
    constraint_w = nx.constraint(graph, nodes=["ego"], weight="strength")["ego"]
    alters = graph.subgraph(node for node in graph if node != "ego")
    return (effective, constraint, effective_w, constraint_w, nx.density(alters),
            nx.number_connected_components(alters))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--sample", type=int, default=1000, help="inventories for the loops")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    tables = synthetic_tables(args.clients, sessions=args.sessions, seed=0)
    cohort = Cohort(tables)
    n_inventories = len(tables["sessions"])
    print(f"cohort: {args.clients:,} clients, {n_inventories:,} inventories, "
          f"{len(tables['people']):,} people, {len(tables['ratings']):,} ratings, "
          f"{len(tables['ties']):,} tie observations")

    cohort.metrics()  # warm up imports
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = cohort.metrics()
        times.append(time.perf_counter() - start)
    vectorised = n_inventories / min(times)
    print(f"Cohort.metrics():        {min(times):8.3f} s (best of {args.repeat})  "
          f"{vectorised:12,.0f} inventories/s")

    # the sample: whole clients, until it holds the requested number of inventories
    n_sample_clients = max(1, args.sample // args.sessions)
    sample_ids = set(tables["clients"]["client_id"].iloc[:n_sample_clients])
    sample_tables = {name: frame[frame["client_id"].isin(sample_ids)]
                     for name, frame in tables.items()}
    clients = clients_from_tables(sample_tables)
    inventories = [inv for client in clients for inv in client.inventories()]

    start = time.perf_counter()
    checks = []
    for inv in inventories:
        checks.append(networkx_measures(inv.to_networkx(living_only=True)))
    loop = len(inventories) / (time.perf_counter() - start)
    print(f"networkx loop:           {len(inventories):,} inventories sampled  "
          f"{loop:12,.0f} inventories/s  (scaled: {n_inventories / loop:8.1f} s)")

    start = time.perf_counter()
    for client in clients:
        client.metrics()
    per_client = len(inventories) / (time.perf_counter() - start)
    print(f"client.metrics() loop:   {len(inventories):,} inventories sampled  "
          f"{per_client:12,.0f} inventories/s  (scaled: {n_inventories / per_client:8.1f} s)")

    print(f"ratio vectorised / networkx loop:        {vectorised / loop:10.0f}x")
    print(f"ratio vectorised / client.metrics() loop: {vectorised / per_client:10.0f}x")

    # the numbers agree (a sanity check, printed, not asserted)
    mine = result.set_index(["client_id", "session"]).loc[
        [(inv.client_id, inv.session) for inv in inventories]]
    theirs = np.array(checks, dtype=float)
    ours = mine[["effective_size", "constraint", "effective_size_weighted",
                 "constraint_weighted", "density", "n_components"]].to_numpy(float)
    with_two = mine["n_people"].to_numpy() - mine["n_deceased"].to_numpy() >= 2
    ours[~with_two, 4] = theirs[~with_two, 4]  # networkx gives 0 where ours is NaN (n < 2)
    nonempty = mine["n_people"].to_numpy() - mine["n_deceased"].to_numpy() > 0
    same = np.allclose(ours[nonempty], theirs[nonempty], rtol=0, atol=1e-9)
    print(f"agreement with networkx on the sample: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()

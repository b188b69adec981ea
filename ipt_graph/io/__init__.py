"""Reading and writing: the case file, tidy tables and other tools' formats.

* :mod:`~ipt_graph.io.casefile` — our JSON case file (versioned, atomic, optionally encrypted);
* :mod:`~ipt_graph.io.network_canvas` — Network Canvas CSV exports (folder or zip);
* :mod:`~ipt_graph.io.egor` — egor's three tables (egos, alters, aaties);
* :mod:`~ipt_graph.io.graphml` — one GraphML file per client session; Network Canvas GraphML.

Importers read their files through :mod:`~ipt_graph.io.sources` (lenient CSV, folders, zips
with bomb caps), take a mapping (:mod:`~ipt_graph.io.mapping`) and return an ``ImportResult``: the
clients and a report of what could not be mapped, placed or linked, naming rows and UUIDs,
never names.
"""

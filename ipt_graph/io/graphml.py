"""GraphML: one file per client session, read back; and Network Canvas's GraphML flavour.

Readers (networkx, igraph, Gephi) take only the first ``<graph>`` of a file, so
:func:`write_graphml` writes **one file per session**, ``<client_id>_s<session>.graphml``
(a ``:`` in a client id is written ``%3A``), each holding that session's resolved inventory
(DESIGN.md §4):

- graph data: ``generator`` (``ipt_graph``), ``client_id``, ``session``, ``date``,
  ``phase``, ``attended``, ``complete``, ``rings``, ``ring_labels`` (a JSON list, only when
  labels are asked for: typed text), ``planned_sessions``, ``onset_date``, ``problem_areas``
  (JSON: area, primary, focus and date, without free text) and ``measure_<instrument>``
  totals (items are not written);
- nodes: ``ego`` (``kind = ego``) and one per person on the map (``kind = person``,
  ``role``, ``sector``, ``gender``, ``age_band``, ``status``; ``label`` only when asked);
- ego-person edges: ``ring``, ``closeness``, ``strength``, ``distance``, ``support``,
  ``conflict``, ``type`` and the other rating fields that are not free text;
- person-person edges: ``kinds`` (comma-joined, sorted), ``weight`` (the strongest),
  ``strength``, ``distance``, and ``weight_<kind>`` when the kinds' weights differ.

GraphML has no null: a value that is not known is left out, never written as ``None``.
Not written: labels and ring labels unless asked (PHI), notes and the other free text, life
events, person attributes, measure items.
:func:`read_graphml` reads such files back into a client whose every session is a
``complete`` snapshot, so each session's inventory is the one written.

:func:`read_network_canvas_graphml` reads Network Canvas's own GraphML: several ``<graph>``
elements in one file (one per session), ego variables as ``<data>`` on ``<graph>``, the case
and session in ``nc:`` attributes, keys named by ``attr.name``. It goes through the same
mapping as the CSV export (:mod:`ipt_graph.io.network_canvas`).

XML is parsed with ``defusedxml`` (no entity expansion, no external entities).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pandas as pd

from .. import vocab
from ..errors import Problem, ValidationError
from ..model import RATING_FIELDS, TEXT_RATING_FIELDS, Client, measure_total
from .mapping import ImportMapping, ImportReport, ImportResult, load_mapping
from .network_canvas import (
    Protocol,
    RawSession,
    _check_options,
    _parse_time,
    _unique,
    _with_person_key,
    import_sessions,
    read_protocol,
)
from .sources import Table, source_files

__all__ = ["read_graphml", "read_network_canvas_graphml", "write_graphml"]

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
NC_NS = "http://schema.networkcanvas.com/xmlns"
GENERATOR = "ipt_graph"
_G = f"{{{GRAPHML_NS}}}"

_RATING_KEYS = [name for name in RATING_FIELDS if name not in TEXT_RATING_FIELDS]
_INT = ("ring", "support", "conflict", "desired_ring")
#: (domain, name, GraphML type) of every key this writer may use, in file order.
_KEYS: list[tuple[str, str, str]] = [
    ("graph", "generator", "string"), ("graph", "client_id", "string"),
    ("graph", "session", "int"), ("graph", "date", "string"), ("graph", "phase", "string"),
    ("graph", "attended", "boolean"), ("graph", "complete", "boolean"),
    ("graph", "rings", "int"), ("graph", "ring_labels", "string"),
    ("graph", "planned_sessions", "int"), ("graph", "onset_date", "string"),
    ("graph", "problem_areas", "string"),
    ("node", "kind", "string"), ("node", "label", "string"), ("node", "role", "string"),
    ("node", "sector", "string"), ("node", "gender", "string"),
    ("node", "age_band", "string"), ("node", "status", "string"),
    ("edge", "closeness", "double"), ("edge", "strength", "double"),
    ("edge", "distance", "double"), ("edge", "type", "string"),
    *(("edge", name, "int" if name in _INT else "boolean" if name == "confidant"
       else "string") for name in _RATING_KEYS),
    ("edge", "kinds", "string"), ("edge", "weight", "double"),
    *(("edge", f"weight_{kind}", "double") for kind in vocab.TieKind),
]
_TYPES = {(domain, name): kind for domain, name, kind in _KEYS}


def _key_id(domain: str, name: str) -> str:
    return f"{domain[0]}_{name}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _file_name(client_id: str, session: int) -> str:
    return f"{client_id.replace(':', '%3A')}_s{session}.graphml"


# --- Writing ------------------------------------------------------------------------------------


def write_graphml(client: Client, folder: str | Path, *, labels: bool = False,
                  archive: bool = False) -> list[Path]:
    """Write one GraphML file per session of ``client`` into ``folder``.

    Parameters
    ----------
    client : Client
    folder : str or Path
        Created if missing.
    labels : bool
        Write people's labels (PHI). Off by default: free text travels only when asked.
    archive : bool
        Write one zip, ``<client_id>_graphml.zip``, holding the files instead.

    Returns
    -------
    list of Path
        The files written (the zip alone when ``archive``).

    Examples
    --------
    >>> import ipt_graph as ig, tempfile
    >>> client = ig.Client("C-1")
    >>> _ = client.add_person("p1", role="friend"); _ = client.add_session(1)
    >>> _ = client.rate(1, "p1", ring=1, support=5, conflict=1)
    >>> [p.name for p in write_graphml(client, tempfile.mkdtemp())]
    ['C-1_s1.graphml']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    documents = [(_file_name(client.client_id, inventory.session),
                  _document(client, inventory, labels))
                 for inventory in client.inventories()]
    if archive:
        target = folder / f"{client.client_id.replace(':', '%3A')}_graphml.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, data in documents:
                bundle.writestr(name, data)
        return [target]
    paths = []
    for name, data in documents:
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def _document(client: Client, inventory: Any, labels: bool) -> bytes:
    session = client.session(inventory.session)
    graph_data: dict[str, Any] = {
        "generator": GENERATOR, "client_id": client.client_id, "session": session.number,
        "date": session.date.isoformat() if session.date else None, "phase": session.phase,
        "attended": session.attended, "complete": session.complete, "rings": client.rings,
        # ring labels are typed text: like people's labels, written only when asked
        "ring_labels": json.dumps(list(client.ring_labels)) if client.ring_labels and labels
        else None,
        "planned_sessions": client.planned_sessions, "onset_date": client.onset_date,
        "problem_areas": json.dumps([
            {k: v for k, v in {"area": a.area, "primary": a.primary, "focus": list(a.focus),
                               "date": a.date}.items() if v is not None}
            for a in client.problem_areas]) if client.problem_areas else None,
    }
    measure_keys = []
    for name, measure in sorted(session.measures.items()):
        total = measure_total(name, measure)
        if total is not None:
            integral = isinstance(total, int) and not isinstance(total, bool)
            graph_data[f"measure_{name}"] = total if integral else float(total)
            measure_keys.append(("graph", f"measure_{name}", "int" if integral else "double"))
    root = ElementTree.Element("graphml", {
        "xmlns": GRAPHML_NS, "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xsi:schemaLocation": f"{GRAPHML_NS} http://graphml.graphdrawing.org/xmlns/1.0/"
                              "graphml.xsd"})
    for domain, name, kind in [*_KEYS, *measure_keys]:
        if (domain, name) in (("node", "label"), ("graph", "ring_labels")) and not labels:
            continue
        ElementTree.SubElement(root, "key", {"id": _key_id(domain, name), "for": domain,
                                             "attr.name": name, "attr.type": kind})
    graph = ElementTree.SubElement(root, "graph", {
        "id": f"{client.client_id}_s{session.number}", "edgedefault": "undirected"})

    def data(element: ElementTree.Element, domain: str, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            if value is None or (isinstance(value, float) and not math.isfinite(value)):
                continue  # GraphML has no null: leave the key out
            item = ElementTree.SubElement(element, "data", {"key": _key_id(domain, name)})
            item.text = _text(value)

    data(graph, "graph", graph_data)
    ego = ElementTree.SubElement(graph, "node", {"id": "ego"})
    data(ego, "node", {"kind": "ego"})
    records = {p.person_id: p for p in client.people}
    people = inventory.people
    for row in people.itertuples(index=False):
        person = records[row.person_id]
        node = ElementTree.SubElement(graph, "node", {"id": row.person_id})
        data(node, "node", {
            "kind": "person", "label": person.label if labels else None,
            "role": person.role, "sector": person.resolved_sector, "gender": person.gender,
            "age_band": person.age_band, "status": _plain(row.status)})
    graph_view = inventory.to_networkx()
    for row in people.itertuples(index=False):
        edge = ElementTree.SubElement(graph, "edge", {"source": "ego", "target": row.person_id})
        attributes = graph_view.edges["ego", row.person_id]
        values = {"closeness": _plain(row.closeness), "strength": attributes.get("strength"),
                  "distance": attributes.get("distance"), "type": _plain(row.type)}
        values |= {name: _plain(getattr(row, name)) for name in _RATING_KEYS}
        data(edge, "edge", values)
    for (a, b), weights in sorted(_tie_weights(inventory).items()):
        edge = ElementTree.SubElement(graph, "edge", {"source": a, "target": b})
        strongest = max(weights.values())
        values = {"kinds": ",".join(sorted(weights)), "weight": strongest,
                  "strength": strongest, "distance": 1 / strongest}
        if len(set(weights.values())) > 1:
            values |= {f"weight_{kind}": weight for kind, weight in sorted(weights.items())}
        data(edge, "edge", values)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _plain(value: Any) -> Any:
    """A pandas cell as a plain Python value (None when missing)."""
    if value is None or value is pd.NA:
        return None
    try:
        if value != value:  # NaN
            return None
    except TypeError:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _tie_weights(inventory: Any) -> dict[tuple[str, str], dict[str, float]]:
    pairs: dict[tuple[str, str], dict[str, float]] = {}
    for row in inventory.ties.itertuples(index=False):
        pairs.setdefault((row.a, row.b), {})[str(row.kind)] = float(row.weight)
    return pairs


# --- Parsing ------------------------------------------------------------------------------------


def _parse_xml(data: bytes, name: str) -> ElementTree.Element:
    try:
        from defusedxml import ElementTree as SafeTree
        from defusedxml.common import DefusedXmlException
    except ImportError:  # pragma: no cover - defusedxml ships with the [excel] extra
        raise ImportError("reading GraphML needs defusedxml: pip install defusedxml") from None
    try:
        return SafeTree.fromstring(data)
    except DefusedXmlException:
        raise ValidationError([Problem(name, "", "holds XML entities or a DTD that could "
                                       "expand without bound; refused")]) from None
    except ElementTree.ParseError as error:
        line, column = error.position
        raise ValidationError([Problem(f"{name} line {line}", f"character {column}",
                                       "is not well-formed XML")]) from None
    except (LookupError, ValueError):  # an XML declaration naming an unknown encoding
        raise ValidationError([Problem(name, "", "is not well-formed XML (its declared "
                                       "encoding is unknown)")]) from None


def _keys(root: ElementTree.Element) -> dict[str, tuple[str, str, str]]:
    """Key id -> (domain, attr.name, attr.type)."""
    keys = {}
    for key in root.iter(f"{_G}key"):
        keys[key.get("id", "")] = (key.get("for", "all"), key.get("attr.name") or
                                   key.get("id", ""), key.get("attr.type", "string"))
    return keys


def _data(element: ElementTree.Element, keys: Mapping[str, tuple[str, str, str]]
          ) -> dict[str, str]:
    """The ``<data>`` children of an element, by attr.name (text, ``""`` when empty)."""
    values = {}
    for item in element.findall(f"{_G}data"):
        key = keys.get(item.get("key", ""))
        name = key[1] if key else item.get("key", "")
        values[name] = (item.text or "").strip()
    return values


def _graph_files(path: str | Path, report: ImportReport) -> list[tuple[str, bytes]]:
    return [(f.display, f.read()) for f in source_files(path, (".graphml", ".xml"), report)]


# --- Reading our own files ----------------------------------------------------------------------


def read_graphml(path: str | Path) -> Client:
    """Read the GraphML files :func:`write_graphml` wrote back into a client.

    Parameters
    ----------
    path : str or Path
        One file, a folder of one client's files, or a zip of them.

    Returns
    -------
    Client
        Every session ``complete``: its inventory is the one in its file (people, ring,
        support, conflict, status and the other non-text rating fields, ties with kinds and
        weights). Labels come back when they were written; free text never travels.

    Raises
    ------
    ValidationError
        A file that is not ipt_graph GraphML, values of the wrong type, files of several
        clients, or a record the data model refuses.
    """
    report = ImportReport(source=Path(path).name)
    problems: list[Problem] = []
    client: dict[str, Any] = {}
    people: dict[str, dict[str, Any]] = {}
    sessions, ratings, ties = [], [], []
    latest = -1
    for name, data in _graph_files(path, report):
        root = _parse_xml(data, name)
        keys = _keys(root)
        for g, graph in enumerate(root.iter(f"{_G}graph"), start=1):
            where = f"{name} graph {g}"
            values = _typed(_data(graph, keys), "graph", keys, where, problems)
            if values.get("generator") != GENERATOR or "session" not in values:
                problems.append(Problem(where, "generator", "is not an ipt_graph GraphML graph "
                                        "(for Network Canvas's, use "
                                        "read_network_canvas_graphml)"))
                continue
            number = values["session"]
            if client.get("client_id", values.get("client_id")) != values.get("client_id"):
                problems.append(Problem(where, "client_id", "differs from the other files': "
                                        "read one client at a time"))
                continue
            if number > latest:
                latest = number
                client.update({k: values[k] for k in ("client_id", "rings", "planned_sessions",
                                                      "onset_date") if k in values})
                for key in ("ring_labels", "problem_areas"):
                    if key in values:
                        try:
                            client[key] = json.loads(values[key])
                        except ValueError:
                            problems.append(Problem(where, key, "must be JSON"))
            session = {"number": number, "complete": True,
                       **{k: values[k] for k in ("date", "phase", "attended") if k in values}}
            measures = {k.removeprefix("measure_"): {"total": v} for k, v in values.items()
                        if k.startswith("measure_")}
            if measures:
                session["measures"] = measures
            sessions.append(session)
            _read_graph(graph, keys, where, number, number == latest, people, ratings, ties,
                        problems)
    if problems:
        raise ValidationError(_unique(problems), Path(path).name)
    if not sessions:
        raise ValidationError([Problem(Path(path).name, "", "holds no GraphML file")])
    # a focus person never on a map is in no file: keep the focus people the files hold
    for area in client.get("problem_areas", []):
        if isinstance(area, dict) and isinstance(area.get("focus"), list):
            area["focus"] = [pid for pid in area["focus"] if pid in people]
    client |= {"people": list(people.values()), "sessions": sessions, "ratings": ratings,
               "ties": ties}
    return Client.from_dict(client, source=Path(path).name)


def _typed(values: Mapping[str, str], domain: str, keys: Mapping[str, tuple[str, str, str]],
           where: str, problems: list[Problem]) -> dict[str, Any]:
    types = {name: kind for for_, name, kind in keys.values() if for_ in (domain, "all")}
    out: dict[str, Any] = {}
    for name, text in values.items():
        kind = types.get(name, "string")
        try:
            if kind in ("int", "long"):
                out[name] = int(text)
            elif kind in ("float", "double"):
                out[name] = float(text)
            elif kind == "boolean":
                if text.lower() not in ("true", "false", "1", "0"):
                    raise ValueError
                out[name] = text.lower() in ("true", "1")
            else:
                out[name] = text
        except ValueError:
            problems.append(Problem(where, name if name.isidentifier() else "<key>",
                                    f"must be a GraphML {kind}"))
    return out


def _read_graph(graph: ElementTree.Element, keys: Mapping[str, tuple[str, str, str]],
                where: str, number: int, latest: bool, people: dict[str, dict[str, Any]],
                ratings: list[dict[str, Any]], ties: list[dict[str, Any]],
                problems: list[Problem]) -> None:
    persons = set()
    for n, node in enumerate(graph.findall(f"{_G}node"), start=1):
        node_id = node.get("id", "")
        values = _typed(_data(node, keys), "node", keys, f"{where} node {n}", problems)
        if node_id == "ego" or values.get("kind") == "ego":
            continue
        persons.add(node_id)
        record = {"person_id": node_id}
        for name in ("label", "role", "gender", "age_band"):
            if name in values:
                record[name] = values[name]
        role = record.get("role", vocab.Role.other)
        sector = values.get("sector")
        if sector and role in tuple(vocab.Role) and sector != vocab.ROLE_SECTOR[vocab.Role(role)]:
            record["sector"] = sector
        if latest or node_id not in people:
            people[node_id] = record
    for e, edge in enumerate(graph.findall(f"{_G}edge"), start=1):
        edge_where = f"{where} edge {e}"
        source, target = edge.get("source", ""), edge.get("target", "")
        values = _typed(_data(edge, keys), "edge", keys, edge_where, problems)
        if "ego" in (source, target):
            person_id = target if source == "ego" else source
            if person_id not in persons:
                problems.append(Problem(edge_where, "target", "is not a node of this graph"))
                continue
            rating = {"session": number, "person_id": person_id}
            rating |= {name: values[name] for name in _RATING_KEYS if name in values}
            ratings.append(rating)
            continue
        missing = [end for end, node_id in (("source", source), ("target", target))
                   if node_id not in persons]
        if missing:
            problems.append(Problem(edge_where, missing[0], "is not a node of this graph"))
            continue
        for kind in filter(None, values.get("kinds", "knows").split(",")):
            weight = values.get(f"weight_{kind.strip()}", values.get("weight", 1.0))
            ties.append({"session": number, "a": source, "b": target, "kind": kind.strip(),
                         "weight": weight})


# --- Network Canvas's GraphML -------------------------------------------------------------------


def read_network_canvas_graphml(
    path: str | Path,
    mapping: ImportMapping | Mapping[str, Any] | str | Path,
    *,
    protocol: str | Path | Protocol | None = None,
    aspect_ratio: float = 1.0,
    radius_scheme: str = "equal",
    rings: int = vocab.DEFAULT_RINGS,
    timezone: str | dt.tzinfo = "UTC",
    person_key: str | None = None,
) -> ImportResult:
    """Read Network Canvas's GraphML export (every ``<graph>`` of every file) into clients.

    Each ``<graph>`` is one session: ``nc:caseId`` and ``nc:sessionUUID`` name the case and
    session, ``nc:sessionStartTime`` dates it, ``<data>`` on the graph holds the ego
    variables, and node and edge variables are named by their key's ``attr.name``
    (layout variables as ``<var>_X`` / ``<var>_Y``, categorical ones one-hot as
    ``<var>_<option>``). Node and edge types come from ``networkCanvasType``. Everything
    else — the mapping, rings, linking, the report — is as in
    :func:`~ipt_graph.io.network_canvas.read_network_canvas`, whose parameters these are.
    Rows are located as ``<file> graph <g> node <n>`` (1-based, in document order).

    Raises
    ------
    ValidationError
        Malformed XML, a missing mapped variable, a dangling edge: each names the file,
        the graph, the node or edge, and the variable.
    """
    mapping = load_mapping(mapping)
    if person_key is not None:
        mapping = _with_person_key(mapping, person_key)
    if isinstance(protocol, str | Path):
        protocol = read_protocol(protocol)
    _check_options(aspect_ratio, radius_scheme, rings)
    report = ImportReport(source=Path(path).name)
    problems: list[Problem] = []
    raw_sessions: list[RawSession] = []
    for name, data in _graph_files(path, report):
        root = _parse_xml(data, name)
        keys = _keys(root)
        for g, graph in enumerate(root.iter(f"{_G}graph"), start=1):
            raw_sessions.append(_nc_session(graph, keys, f"{name} graph {g}", mapping))
    clients = import_sessions(raw_sessions, mapping, report, problems, protocol=protocol,
                              aspect_ratio=aspect_ratio, radius_scheme=radius_scheme,
                              rings=rings, timezone=timezone, source=Path(path).name)
    if problems:
        raise ValidationError(_unique(problems), Path(path).name)
    return ImportResult(clients, report)


def _nc_type(values: Mapping[str, str]) -> str:
    return values.get("networkCanvasType") or values.get("_type") or values.get("type") or ""


def _nc_session(graph: ElementTree.Element, keys: Mapping[str, tuple[str, str, str]],
                where: str, mapping: ImportMapping) -> RawSession:
    attributes = {k.removeprefix(f"{{{NC_NS}}}"): v for k, v in graph.attrib.items()}
    ego = _data(graph, keys)
    ego_uuid = (ego.get("networkCanvasUUID") or ego.get("_uid") or
                attributes.get("sessionUUID", "") or where)
    session = RawSession(ego_uuid, attributes.get("caseId", ""), ego, where)
    for name in ("sessionStartTime", "sessionFinishTime", "sessionExportTime"):
        moment = _parse_time(attributes.get(name, ""))
        if moment is not None:
            session.start, session.start_column = moment, (
                "sessionStart" if name == "sessionStartTime" else name)
            break
    ego_columns = [name for domain, name, _ in keys.values() if domain in ("graph", "all")]
    session.ego_table = Table(where, ego_columns, [], line_kind="")
    node_columns = ["nodeID", *dict.fromkeys(name for domain, name, _ in keys.values()
                                             if domain in ("node", "all"))]
    edge_columns = ["from", "to", *dict.fromkeys(name for domain, name, _ in keys.values()
                                                 if domain in ("edge", "all"))]
    node_table = Table(where, node_columns, [], line_kind="node")
    edge_tables: dict[str, Table] = {}
    for n, node in enumerate(graph.findall(f"{_G}node"), start=1):
        values = _data(node, keys)
        row = {column: "" for column in node_columns} | values | {"nodeID": node.get("id", "")}
        if _nc_type(values).lower() == mapping.node_type.lower():
            node_table.rows.append((n, [row.get(c, "") for c in node_columns]))
            session.nodes.append((node_table, n, row))
        else:
            session.other_nodes.add(values.get("networkCanvasUUID") or values.get("_uid", ""))
    for e, edge in enumerate(graph.findall(f"{_G}edge"), start=1):
        values = _data(edge, keys)
        edge_type = _nc_type(values)
        table = edge_tables.setdefault(edge_type, Table(where, edge_columns, [],
                                                        line_kind="edge"))
        row = {column: "" for column in edge_columns} | values | {
            "from": edge.get("source", ""), "to": edge.get("target", "")}
        table.rows.append((e, [row.get(c, "") for c in edge_columns]))
        session.edges.append((edge_type, table, e, row))
    return session

"""Offline (issue 7, part 9): the library never opens a connection beyond this machine.

Two proofs. The whole test suite runs with pytest-socket blocking every connection outside
loopback (``--allow-hosts=127.0.0.1,::1`` and ``--allow-unix-socket`` in pyproject's pytest
``addopts``; Dask's local cluster and notebook kernels talk over loopback and Unix sockets), and
the first test below checks that this is so. Then the library's main paths — loading and saving,
measures, cohorts, plots, notebook views, reports, every importer and exporter, the command line —
run under an audit hook that records every socket event: there must be none at all.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import pkgutil
import socket
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import ipt_graph as ig

PACKAGE = Path(ig.__file__).parent
EXAMPLE = Path(__file__).parents[1] / "data" / "examples" / "network_canvas"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
#: Modules whose only purpose is talking to other machines.
NETWORK_MODULES = {"socket", "ssl", "urllib", "http", "requests", "httpx", "aiohttp", "ftplib",
                   "smtplib", "imaplib", "poplib", "xmlrpc", "websocket", "websockets",
                   "socketserver", "asyncio", "urllib3", "paramiko", "boto3", "fsspec"}

_events: list[tuple[str, str]] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """Record socket events while ``_events`` is a list (the hook cannot be removed)."""
    if _events is not None and event.startswith("socket."):
        detail = ""
        if event == "socket.__new__" and len(args) > 1:
            detail = f"family {args[1]}"
        elif event in ("socket.connect", "socket.bind", "socket.sendto") and len(args) > 1:
            detail = repr(args[1])[:80]
        elif event in ("socket.getaddrinfo", "socket.gethostbyname") and args:
            detail = repr(args[0])[:80]
        _events.append((event, detail))


sys.addaudithook(_audit)


def test_the_suite_blocks_connections_beyond_loopback(pytestconfig):
    pytest_socket = pytest.importorskip("pytest_socket")
    hosts = pytestconfig.getoption("--allow-hosts")
    assert hosts, ("run the tests with pytest-socket's --allow-hosts=127.0.0.1,::1 and "
                   "--allow-unix-socket (pyproject.toml, [tool.pytest.ini_options] addopts)")
    assert {host.strip() for host in hosts.split(",")} <= LOOPBACK
    assert pytestconfig.getoption("--allow-unix-socket")
    # the guard is in place, so the connection below is refused before any packet is sent
    assert socket.socket.connect is not pytest_socket._true_connect
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as outside, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pytest-socket also warns when it blocks
        with pytest.raises(pytest_socket.SocketConnectBlockedError):
            outside.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737): never routed


def test_loopback_and_unix_sockets_stay_allowed():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            accepted, _ = server.accept()
            accepted.close()
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        left.sendall(b"ok")
        assert right.recv(2) == b"ok"


def test_the_package_imports_no_network_module():
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in NETWORK_MODULES, f"{path.name} imports {name}"


def _every_module() -> list[str]:
    names = [ig.__name__]
    for info in pkgutil.walk_packages(ig.__path__, prefix=f"{ig.__name__}."):
        names.append(info.name)
    return names


def _workflow(folder: Path) -> None:
    """The library's main paths, end to end, on synthetic clients."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from ipt_graph import privacy
    from ipt_graph.cli import main
    from ipt_graph.cohort import Cohort
    from ipt_graph.datasets import load_example, synthetic_cohort
    from ipt_graph.io import tables
    from ipt_graph.io.excel import read_excel, write_template
    from ipt_graph.io.graphml import read_network_canvas_graphml
    from ipt_graph.io.network_canvas import read_protocol
    from ipt_graph.report import write_report

    for name in _every_module():
        importlib.import_module(name)
    client = load_example("role_dispute")
    path = ig.save(client, folder / "case.json", passphrase="pw", scrypt_n=2**10)
    client = ig.load(path, passphrase="pw")
    client.metrics()
    client.outcomes()
    client.trajectories()
    change = ig.compare(client.inventory(3), client.inventory())
    change.summary()
    for plot in ("plot_circle", "plot_network"):
        getattr(ig, plot)(client.inventory(), ax=Figure().add_subplot())
    for plot in ("plot_circles", "plot_quadrant", "plot_outcomes", "plot_timeline",
                 "plot_metrics"):
        figure = Figure()
        try:
            getattr(ig, plot)(client, ax=figure.add_subplot())
        except TypeError:  # figure-level plots own their figure
            getattr(ig, plot)(client)
    ig.notebook.client_html(client)
    ig.notebook.change_html(change, client=client)
    ig.edit(client, session=3)
    write_report(client, folder / "report.html")
    with contextlib.suppress(ig.IptGraphError):  # WeasyPrint or Pango missing: same HTML
        write_report(client, folder / "report.pdf")
    cohort_clients = synthetic_cohort(5, seed=3)
    frames = tables.tables_from_clients(cohort_clients)
    Cohort(frames).metrics()
    tables.write_csv(frames, folder / "csv")
    tables.read_csv(folder / "csv")
    tables.write_parquet(frames, folder / "parquet")
    tables.read_parquet(folder / "parquet")
    tables.read_excel(tables.write_excel(frames, folder / "tables.xlsx"))
    try:
        from ipt_graph.cohort import dask_metrics
    except ImportError:  # pragma: no cover - the dask extra is part of [all]
        pass
    else:
        dask_metrics(folder / "parquet").compute(scheduler="synchronous")
    ig.read_network_canvas(EXAMPLE / "export", EXAMPLE / "mapping.toml")
    ig.read_network_canvas(EXAMPLE / "network_canvas_export.zip", EXAMPLE / "mapping.toml",
                           protocol=EXAMPLE / "ipt_demo.netcanvas")
    read_network_canvas_graphml(EXAMPLE / "network_canvas_sessions.graphml",
                                EXAMPLE / "mapping.toml")
    read_protocol(EXAMPLE / "ipt_demo.netcanvas")
    paths = ig.write_egor(client, folder / "egor")
    ig.read_egor(paths["egos"], paths["alters"], paths["aaties"])
    ig.write_graphml(client, folder / "graphml")
    ig.read_graphml(folder / "graphml")
    read_excel(write_template(folder / "template.xlsx", client=client))
    data = privacy.deidentify(cohort_clients, key=bytes(range(32)))
    for fmt in privacy.EXPORT_FORMATS:
        data.write(fmt, folder / "deidentified" / fmt)
    privacy.k_anonymity(data)
    ig.save(client, folder / "plain.json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["validate", str(folder / "plain.json")]) == 0
        assert main(["summary", str(folder / "plain.json")]) == 0


def test_the_library_opens_no_socket_at_all(tmp_path, capsys):
    global _events
    _events = []
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()  # the hook does record
    assert _events == [("socket.__new__", f"family {int(socket.AF_INET)}")]
    _events = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fonts and figures: not the topic here
            _workflow(tmp_path)
    finally:
        recorded, _events = _events, None
    capsys.readouterr()
    unix = f"family {int(socket.AF_UNIX)}"
    outside = [(event, detail) for event, detail in recorded
               if not (event == "socket.__new__" and detail == unix)]
    assert outside == [], f"socket use: {outside[:10]}"

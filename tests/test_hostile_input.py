"""Hostile input (issue 7, part 7): every loader and importer, fed garbage on purpose.

Random bytes, truncated and mutated valid files, deep nesting, huge integers, NaN and Infinity,
values of the wrong type, zip bombs and XML entity expansion go to the case-file loader, the
decryption, and every importer (Network Canvas CSV, zip and GraphML, its protocol, egor,
ipt_graph GraphML, the Excel template, the mapping, the tidy tables). Only the library's own
errors may escape (:class:`ipt_graph.IptGraphError`), each naming the file or record where the
problem is, in bounded time and memory. A file that does load is a client like any other:
its measures, tables and case file can be computed.

Hypothesis runs derandomized (the same examples on every run) with a modest number of examples
per loader, so the file takes seconds; a per-example deadline bounds the time of each call.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import shutil
import signal
import struct
import tempfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import ipt_graph as ig
from ipt_graph.datasets import load_example
from ipt_graph.errors import IptGraphError, ValidationError
from ipt_graph.io import casefile, encryption, tables
from ipt_graph.io.egor import read_egor, write_egor
from ipt_graph.io.excel import read_excel, write_template
from ipt_graph.io.graphml import read_graphml, read_network_canvas_graphml, write_graphml
from ipt_graph.io.mapping import load_mapping
from ipt_graph.io.network_canvas import read_network_canvas, read_protocol

EXAMPLE = Path(__file__).parents[1] / "data" / "examples" / "network_canvas"
NC_EXPORT = EXAMPLE / "export"
NC_ZIP = EXAMPLE / "network_canvas_export.zip"
NC_GRAPHML = EXAMPLE / "network_canvas_sessions.graphml"
NC_MAPPING = EXAMPLE / "mapping.toml"
NC_PROTOCOL = EXAMPLE / "ipt_demo.netcanvas"

FUZZ = settings(max_examples=40, deadline=dt.timedelta(seconds=10), derandomize=True,
                database=None, suppress_health_check=[HealthCheck.too_slow,
                                                      HealthCheck.data_too_large])
#: For the readers still expected to fail: no shrinking (it only makes the failure slower).
FUZZ_UNSHRUNK = settings(FUZZ, max_examples=20, phases=[Phase.explicit, Phase.generate])
#: Memory a refused bomb may take (the bombs inflate to 1 GB).
MEMORY_BOUND = 64 * 2**20
#: Seconds after which a call counts as unbounded (a guard against hanging, not a benchmark).
TIME_BOUND = 60


@contextlib.contextmanager
def bounded(seconds: float = TIME_BOUND, memory: int | None = None) -> Iterator[None]:
    """Fail if the block runs longer than ``seconds`` or allocates more than ``memory``."""

    def expired(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s: unbounded")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    if memory is not None:
        tracemalloc.start()
    try:
        yield
        if memory is not None:
            _, peak = tracemalloc.get_traced_memory()
            assert peak < memory, f"allocated {peak / 2**20:.0f} MB"
    finally:
        if memory is not None:
            tracemalloc.stop()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def only_our_errors(load: Callable[[], Any], where: str | None = None) -> Any:
    """Run a loader: it returns, or raises an IptGraphError that says where the problem is."""
    try:
        with bounded():
            return load()
    except IptGraphError as error:
        text = str(error)
        assert text.strip(), "an error without a message"
        if isinstance(error, ValidationError):
            assert error.problems and all(p.record or p.field for p in error.problems)
        if where is not None:
            assert where in text, f"the error does not name {where}: {text[:300]}"
        return None


def usable(client: ig.Client) -> None:
    """A client that loaded: its measures, tables and case file can be made."""
    with bounded():
        client.metrics()
        tables.client_tables(client, include_text=True)
        casefile.dumps(client)
        client.outcomes()


# --- mutations of valid files ---------------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """The original with a few byte flips, deletions, insertions or a truncation."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif kind == "truncate":
            del data[at:]
        elif kind == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 256))]
    return bytes(data)


def hostile_bytes(original: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=2048), mutated(original))


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> dict[str, Any]:
    """Valid files of every format, made from a bundled example."""
    folder = tmp_path_factory.mktemp("originals")
    client = load_example("grief")
    out: dict[str, Any] = {"client": client, "case": casefile.dumps(client).encode("utf-8")}
    out["encrypted"] = encryption.encrypt(out["case"], "pw", n=2**10)
    out["graphml"] = write_graphml(client, folder / "graphml")[2].read_bytes()
    paths = write_egor(client, folder / "egor", labels=True)
    out["egor"] = {name: path.read_bytes() for name, path in paths.items()}
    out["xlsx"] = write_template(folder / "t.xlsx", client=client).read_bytes()
    tables.write_csv(tables.client_tables(client, include_text=True), folder / "csv")
    out["csv"] = {p.name: p.read_bytes() for p in (folder / "csv").glob("*.csv")}
    tables.write_parquet(tables.client_tables(client), folder / "parquet")
    out["parquet"] = folder / "parquet"
    out["tables_xlsx"] = tables.write_excel(tables.client_tables(client, include_text=True),
                                            folder / "tables.xlsx").read_bytes()
    out["nc_csv"] = {p.name: p.read_bytes() for p in NC_EXPORT.iterdir()}
    return out


def _scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="hostile-"))


# --- the case file and its encryption -------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_case_file_loader(originals, data):
    raw = data.draw(hostile_bytes(originals["case"]))
    client = only_our_errors(lambda: casefile.loads(raw, source="case.json"), "case.json")
    if client is not None:
        usable(client)


#: JSON written as is in place of a value (numbers Python's json would not write).
RAW = ["1" + "0" * 5000, "-" + "9" * 4000, str(2**64), "1e400", "-1e400", "NaN", "Infinity",
       "-Infinity", "[" * 500 + "]" * 500, "0.1e-400"]
#: JSON values no case file holds in that place (fresh objects every time).
WEIRD = st.one_of(
    st.sampled_from(RAW).map(lambda raw: f"\x00RAW{RAW.index(raw)}"),
    st.builds(lambda: [[[[[]]]]]), st.builds(lambda: {"": {}}), st.just(10**300),
    st.just(True), st.just(None), st.just(""), st.just("\x00\ud7ff\U0010ffff"),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                         max_size=3),
)


def _with_raw(text: str) -> str:
    for index, raw in enumerate(RAW):
        text = text.replace(f'"\\u0000RAW{index}"', raw)
    return text


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


@FUZZ
@given(data=st.data())
def test_case_file_with_values_of_the_wrong_kind(originals, data):
    document = json.loads(originals["case"])
    paths = _paths(document)
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(paths[1:]))
        target = document
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = data.draw(WEIRD)
        except (KeyError, IndexError, TypeError):
            continue
    text = _with_raw(json.dumps(document))
    client = only_our_errors(lambda: casefile.loads(text, source="weird.json"), "weird.json")
    if client is not None:
        usable(client)


@pytest.mark.parametrize("text", [
    "[" * 100_000,
    '{"format": "ipt-graph", "version": 1, "notes": ' + "[" * 50_000 + "]" * 50_000 + "}",
    '{"format": "ipt-graph", "version": 1, "client_id": "C", "people": '
    + "[" * 900 + "]" * 900 + "}",
    '{"format": "ipt-graph", "version": 1, "client_id": "C", "rings": 1' + "0" * 5000 + "}",
    '{"format": "ipt-graph", "version": ' + "9" * 5000 + "}",
    '{"format": "ipt-graph", "version": 1, "client_id": "C", "rings": NaN}',
    '{"format": "ipt-graph", "version": 1, "client_id": "C", "rings": -Infinity}',
    '{"format": "ipt-graph", "version": 1, "client_id": "C", "sessions": [{"number": 1, '
    '"measures": {"mood": {"total": 1e400}}}]}',
    '{"format": "ipt-graph", "version": 1, "client_id": "C", "sessions": [{"number": 1, '
    '"measures": {"mood": {"total": ' + "9" * 4000 + "}}}]}",
    '{"format": "ipt-graph", "version": 1, "client_id": "C", "sessions": [{"number": '
    + "9" * 400 + "}]}",
    '{"format": "ipt-graph", "version": 1, "client_id": "C", "client_id": "D"}',
    '{"format": "ipt-graph", "version": 1, "client_id": "C", "people": {"p1": {}}}',
    "\ufeff{}", "", "null", "\x00" * 64, '"ipt-graph"',
])
def test_case_file_edge_cases(text):
    assert only_our_errors(lambda: casefile.loads(text, source="edge.json"),
                           "edge.json") is None


@FUZZ
@given(data=st.data())
def test_decryption(originals, data, tmp_path_factory):
    raw = data.draw(st.one_of(
        mutated(originals["encrypted"]),
        st.binary(max_size=512).map(lambda tail: encryption.MAGIC + tail),
        st.dictionaries(st.sampled_from(["n", "r", "p", "salt", "nonce", "kdf", "cipher"]),
                        WEIRD, max_size=7).map(
            lambda header: encryption.MAGIC + _with_raw(json.dumps(header)).encode() + b"\n"
            + b"x" * 40)))
    only_our_errors(lambda: encryption.decrypt(raw, "pw", source="secret.json"), "secret.json")
    path = tmp_path_factory.getbasetemp() / "secret.json"
    path.write_bytes(raw)
    client = only_our_errors(lambda: ig.load(path, passphrase="pw"), "secret.json")
    if client is not None:
        usable(client)


# --- importers ------------------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_graphml_reader(originals, data):
    folder = _scratch()
    path = folder / "C-1_s3.graphml"
    path.write_bytes(data.draw(hostile_bytes(originals["graphml"])))
    try:
        client = only_our_errors(lambda: read_graphml(path), path.name)
        if client is not None:
            usable(client)
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(data=st.data())
def test_network_canvas_graphml_reader(data):
    folder = _scratch()
    path = folder / "sessions.graphml"
    path.write_bytes(data.draw(hostile_bytes(NC_GRAPHML.read_bytes())))
    try:
        result = only_our_errors(lambda: read_network_canvas_graphml(path, NC_MAPPING),
                                 path.name)
        for client in getattr(result, "clients", []):
            usable(client)
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(data=st.data())
def test_network_canvas_folder_reader(originals, data):
    folder = _scratch()
    files = originals["nc_csv"]
    victims = data.draw(st.lists(st.sampled_from(sorted(files)), min_size=1, max_size=3,
                                 unique=True))
    for name, raw in files.items():
        (folder / name).write_bytes(data.draw(hostile_bytes(raw)) if name in victims else raw)
    try:
        result = only_our_errors(lambda: read_network_canvas(folder, NC_MAPPING))
        for client in getattr(result, "clients", []):
            usable(client)
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(data=st.data())
def test_network_canvas_zip_and_protocol_readers(data):
    folder = _scratch()
    archive = folder / "export.zip"
    archive.write_bytes(data.draw(hostile_bytes(NC_ZIP.read_bytes())))
    protocol = folder / "protocol.netcanvas"
    protocol.write_bytes(data.draw(hostile_bytes(NC_PROTOCOL.read_bytes())))
    try:
        result = only_our_errors(lambda: read_network_canvas(archive, NC_MAPPING))
        for client in getattr(result, "clients", []):
            usable(client)
        only_our_errors(lambda: read_protocol(protocol), protocol.name)
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(data=st.data())
def test_egor_reader(originals, data):
    folder = _scratch()
    victim = data.draw(st.sampled_from(sorted(originals["egor"])))
    for name, raw in originals["egor"].items():
        (folder / f"{name}.csv").write_bytes(data.draw(hostile_bytes(raw)) if name == victim
                                             else raw)
    try:
        result = only_our_errors(lambda: read_egor(folder / "egos.csv", folder / "alters.csv",
                                                   folder / "aaties.csv"))
        for client in getattr(result, "clients", []):
            usable(client)
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(data=st.data())
def test_excel_template_reader(originals, data):
    folder = _scratch()
    path = folder / "inventory.xlsx"
    path.write_bytes(data.draw(st.one_of(mutated(originals["xlsx"]),
                                         st.binary(max_size=1024),
                                         _rezipped(originals["xlsx"]))))
    try:
        client = only_our_errors(lambda: read_excel(path), path.name)
        if client is not None:
            usable(client)
    finally:
        shutil.rmtree(folder)


@st.composite
def _rezipped(draw: st.DrawFn, workbook: bytes) -> bytes:
    """A workbook whose zip is intact but one XML part is mutated."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    victim = draw(st.sampled_from(sorted(parts)))
    parts[victim] = draw(mutated(parts[victim]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, raw in parts.items():
            archive.writestr(name, raw)
    return buffer.getvalue()


@FUZZ
@given(text=st.one_of(st.text(max_size=300), st.binary(max_size=300).map(
    lambda b: b.decode("latin-1"))))
def test_mapping_reader(text):
    folder = _scratch()
    path = folder / "mapping.toml"
    path.write_text(NC_MAPPING.read_text() + "\n" + text, encoding="utf-8", errors="replace")
    try:
        only_our_errors(lambda: load_mapping(path))
    finally:
        shutil.rmtree(folder)


@FUZZ_UNSHRUNK
@given(data=st.data())
def test_tables_csv_reader(originals, data):
    folder = _scratch()
    victim = data.draw(st.sampled_from(sorted(originals["csv"])))
    for name, raw in originals["csv"].items():
        (folder / name).write_bytes(data.draw(hostile_bytes(raw)) if name == victim else raw)
    try:
        only_our_errors(lambda: tables.read_csv(folder))
    finally:
        shutil.rmtree(folder)


@FUZZ_UNSHRUNK
@given(data=st.data())
def test_tables_parquet_reader(originals, data):
    folder = _scratch()
    shutil.copytree(originals["parquet"], folder / "parquet")
    parts = sorted((folder / "parquet").glob("*/*.parquet"))
    victim = data.draw(st.sampled_from(parts))
    victim.write_bytes(data.draw(hostile_bytes(victim.read_bytes())))
    try:
        only_our_errors(lambda: tables.read_parquet(folder / "parquet"))
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(data=st.data())
def test_tables_excel_reader(originals, data):
    folder = _scratch()
    path = folder / "tables.xlsx"
    path.write_bytes(data.draw(st.one_of(mutated(originals["tables_xlsx"]),
                                         _rezipped(originals["tables_xlsx"]))))
    try:
        only_our_errors(lambda: tables.read_excel(path))
    finally:
        shutil.rmtree(folder)


# --- zip bombs ------------------------------------------------------------------------------------

GIGABYTE = 2**30


def _deflated_zeros(size: int) -> tuple[bytes, int]:
    """Raw deflate of ``size`` zero bytes, made in a blink: one fully flushed block of 1 MiB
    compresses the same every time, so the stream is that block repeated (and its CRC)."""
    chunk = bytes(2**20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(size // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    return block * (size // len(chunk)) + end, crc


def _zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip of (name, data as stored, CRC, declared size, method) written by hand, so the
    declared size can lie."""
    out = io.BytesIO()
    central = []
    for name, data, crc, size, method in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 33, crc,
                              len(data), size, len(encoded), 0) + encoded + data)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 33,
                                   crc, len(data), size, len(encoded), 0, 0, 0, 0, 0, offset)
                       + encoded)
    directory = b"".join(central)
    start = out.tell()
    out.write(directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members),
                                      len(members), len(directory), start, 0))
    return out.getvalue()


def _deflated(raw: bytes) -> tuple[bytes, int, int, int]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(raw) + compressor.flush(), zlib.crc32(raw), len(raw), 8


@pytest.fixture(scope="module")
def bomb() -> tuple[bytes, int]:
    data, crc = _deflated_zeros(GIGABYTE)
    assert len(data) < 2 * 2**20  # 1 GB of zeros in about 1 MB
    return data, crc


def test_the_bomb_is_real(bomb):
    data, crc = bomb
    with zipfile.ZipFile(io.BytesIO(_zip([("zeros", data, crc, GIGABYTE, 8)]))) as archive:
        info = archive.getinfo("zeros")
        assert info.file_size == GIGABYTE and info.compress_size < 2 * 2**20
        with archive.open(info) as stream:
            assert stream.read(2**20) == bytes(2**20)


def _bomb_cases(bomb: tuple[bytes, int], tmp_path: Path) -> list[tuple[str, Callable[[], Any]]]:
    data, crc = bomb
    ego = NC_EXPORT / next(p.name for p in NC_EXPORT.iterdir() if p.name.endswith("_ego.csv"))
    honest = _zip([(ego.name, *_deflated(ego.read_bytes())),
                   ("x_attributeList_Person.csv", data, crc, GIGABYTE, 8)])
    lying = _zip([(ego.name, *_deflated(ego.read_bytes())),
                  ("x_attributeList_Person.csv", data, crc, 4096, 8)])  # claims 4 kB
    with zipfile.ZipFile(io.BytesIO(write_template(tmp_path / "t.xlsx").read_bytes())) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    sheet = next(name for name in parts if name.startswith("xl/worksheets/"))
    workbook = _zip([(name, *_deflated(raw)) for name, raw in parts.items() if name != sheet]
                    + [(sheet, data, crc, GIGABYTE, 8)])
    lying_book = _zip([(name, *_deflated(raw)) for name, raw in parts.items() if name != sheet]
                      + [(sheet, data, crc, 4096, 8)])
    protocol = _zip([("protocol.json", data, crc, GIGABYTE, 8)])
    files = {"export.zip": honest, "lying.zip": lying, "book.xlsx": workbook,
             "lying.xlsx": lying_book, "demo.netcanvas": protocol}
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
    return [
        ("export.zip", lambda: read_network_canvas(tmp_path / "export.zip", NC_MAPPING)),
        ("lying.zip", lambda: read_network_canvas(tmp_path / "lying.zip", NC_MAPPING)),
        ("book.xlsx", lambda: read_excel(tmp_path / "book.xlsx")),
        ("lying.xlsx", lambda: read_excel(tmp_path / "lying.xlsx")),
        ("book.xlsx", lambda: tables.read_excel(tmp_path / "book.xlsx")),
        ("lying.xlsx", lambda: tables.read_excel(tmp_path / "lying.xlsx")),
        ("demo.netcanvas", lambda: read_protocol(tmp_path / "demo.netcanvas")),
        ("demo.netcanvas", lambda: read_network_canvas(NC_EXPORT, NC_MAPPING,
                                                       protocol=tmp_path / "demo.netcanvas")),
    ]


def test_zip_bombs_are_refused_quickly_in_little_memory(bomb, tmp_path):
    for name, load in _bomb_cases(bomb, tmp_path):
        with bounded(TIME_BOUND, memory=MEMORY_BOUND), pytest.raises(IptGraphError) as caught:
            load()
        assert name in str(caught.value), str(caught.value)


# --- XML entity expansion -------------------------------------------------------------------------

LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{k} "{("&lol" + (str(k - 1) if k > 1 else "") + ";") * 10}">'
                    for k in range(1, 10)) + "]>\n")
EXTERNAL = ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n')


@pytest.mark.parametrize("prolog", [LAUGHS, EXTERNAL], ids=["billion-laughs", "external"])
def test_xml_entities_are_refused_in_graphml(prolog, originals, tmp_path):
    reference = "&lol9;" if prolog == LAUGHS else "&xxe;"
    ours = originals["graphml"].decode().split("\n", 1)[1]  # without the XML declaration
    ours = prolog + ours.replace("<data key=\"g_phase\">", f"<data key=\"g_phase\">{reference}",
                                 1)
    nc = NC_GRAPHML.read_text().split("\n", 1)[1]
    nc = prolog + nc.replace("<data key=\"label\">", f"<data key=\"label\">{reference}", 1)
    (tmp_path / "ours.graphml").write_text(ours)
    (tmp_path / "nc.graphml").write_text(nc)
    with bounded(memory=MEMORY_BOUND):
        for name, load in [("ours.graphml", lambda: read_graphml(tmp_path / "ours.graphml")),
                           ("nc.graphml", lambda: read_network_canvas_graphml(
                               tmp_path / "nc.graphml", NC_MAPPING))]:
            with pytest.raises(ValidationError, match="entities") as caught:
                load()
            assert name in str(caught.value)


@pytest.mark.parametrize("prolog", [LAUGHS, EXTERNAL], ids=["billion-laughs", "external"])
@pytest.mark.parametrize("reader", ["template", "tables"])
def test_xml_entities_are_refused_in_workbooks(prolog, reader, originals, tmp_path):
    source = originals["xlsx"] if reader == "template" else originals["tables_xlsx"]
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = next(name for name in sorted(parts) if name.startswith("xl/worksheets/sheet"))
    body = parts[sheet].decode()
    body = body[body.index("?>") + 2:] if body.startswith("<?xml") else body
    parts[sheet] = (prolog + body).encode()
    path = tmp_path / "entities.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, raw in parts.items():
            archive.writestr(name, raw)
    load = read_excel if reader == "template" else tables.read_excel
    with bounded(memory=MEMORY_BOUND), pytest.raises(IptGraphError) as caught:
        load(path)
    assert "entities.xlsx" in str(caught.value)


def test_deeply_nested_xml_is_refused_without_recursion(tmp_path):
    depth = 200_000
    body = "<node>" * depth + "</node>" * depth
    path = tmp_path / "deep.graphml"
    path.write_text(f'<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph>{body}'
                    "</graph></graphml>")
    with bounded():
        with pytest.raises(ValidationError):
            read_graphml(path)
        with pytest.raises(ValidationError):
            read_network_canvas_graphml(path, NC_MAPPING)

"""The case file (DESIGN.md §5): round trips, refusals, migration, atomic saves, the schema."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import ipt_graph as ig
from ipt_graph.datasets import synthetic_client
from ipt_graph.io import casefile
from ipt_graph.model import Measure, Session

SCHEMA = casefile.casefile_schema()
VALIDATOR = Draft202012Validator(SCHEMA)
PROPERTY = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def assert_round_trip(client: ig.Client, path: Path) -> None:
    """load(save(client)) == client, a second save is byte-identical, the schema holds."""
    ig.save(client, path)
    first = path.read_bytes()
    loaded = ig.load(path)
    assert loaded == client
    ig.save(loaded, path)
    assert path.read_bytes() == first
    document = json.loads(first.decode("utf-8"))
    VALIDATOR.validate(document)
    assert document["format"] == "ipt-graph" and document["version"] == casefile.VERSION


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


# --- round trips ----------------------------------------------------------------------------------


def test_worked_example_round_trip(worked_example, folder):
    assert_round_trip(worked_example, folder / "case.json")


def test_file_layout(worked_example, folder):
    worked_example.add_person("p4", label="Zoë “Synthetic”", role="grandparent")
    path = ig.save(worked_example, folder / "case.json")
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    assert "Zoë “Synthetic”" in text  # ensure_ascii=False
    assert text.endswith("}\n")
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    assert list(data) == sorted(data)
    assert data["version"] == 1 and data["format"] == "ipt-graph"
    for name in ("people", "sessions", "ratings", "removals", "ties", "events",
                 "problem_areas"):
        assert isinstance(data[name], list)
    assert casefile.dumps(worked_example) == text


def test_round_trip_keeps_every_field(folder):
    client = ig.Client("C-600", rings=4, label="Synthetic", ring_labels=["a", "b", "c", "d"],
                       planned_sessions=16, onset_date="2025-09", notes="note")
    client.add_person("p1", label="Synthetic partner", role="partner", sector="other",
                      gender="non_binary", age_band="90_plus",
                      attributes={"pets": 2, "vegetarian": True, "height": 1.7, "x": "y"})
    client.add_person("p2", role="child")
    client.add_session(0, date="2025-09-01", phase="pre_group",
                       measures={"phq9": [3, 3, 3, 3, 3, 3, 3, 3, 3], "mspss": 4.25,
                                 "sleep_hours": 6.5})
    client.add_session(1, date="2025-09-01", attended=False, notes="missed")
    client.add_session(2, date="2025-09-15", complete=True)
    client.add_problem_area("role_dispute", primary=True, focus=["p1"], notes="n")
    client.rate(0, "p1", ring=4, support=1, conflict=6, status="estranged",
                contact="less_often", confidant=False, desired_ring=1,
                expectations_met="not_met", dispute_stage="dissolution", expectations="e",
                satisfying="s", unsatisfying="u", desired_change="d", notes="n")
    client.rate(0, "p2", ring=1)
    client.tie(0, "p1", "p2", kind="conflict", weight=0.125)
    client.end_tie(1, "p1", "p2", kind="conflict")
    client.rate(2, "p2", support=6)
    client.add_event("e1", date="2025-08-31", kind="separation", people=["p1", "p2"],
                     problem_area="role_dispute", onset=True, notes="n")
    assert_round_trip(client, folder / "full.json")


@PROPERTY
@given(st.integers(0, 10_000).map(synthetic_client))
def test_round_trip_property_synthetic(client):
    text = casefile.dumps(client)
    loaded = casefile.loads(text)
    assert loaded == client
    assert casefile.dumps(loaded) == text
    VALIDATOR.validate(json.loads(text))


@PROPERTY
@given(seed=st.integers(0, 10_000))
def test_round_trip_property_conftest_builder(random_client, tmp_path_factory, seed):
    client = random_client(seed)
    folder = tmp_path_factory.mktemp("prop")
    assert_round_trip(client, folder / f"{client.client_id}.json")


# --- refusals on load -----------------------------------------------------------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_refused_on_load(worked_example, folder, constant):
    text = casefile.dumps(worked_example).replace('"weight": 1.0', f'"weight": {constant}')
    assert constant in text
    path = write(folder, "nan.json", text)
    with pytest.raises(ig.CaseFileError, match="finite") as info:
        ig.load(path)
    assert str(path) in str(info.value)


def test_nan_refused_on_save(worked_example, folder):
    path = folder / "case.json"
    ig.save(worked_example, path)
    before = path.read_bytes()
    # NaN cannot get in through validation; bypass it to check the writer's own refusal
    session = worked_example.sessions[0]
    broken = Session.model_construct(**{**dict(session), "measures": {
        "sleep_hours": Measure.model_construct(total=float("nan"), items=None)}})
    worked_example.sessions = [broken, *worked_example.sessions[1:]]
    with pytest.raises(ig.CaseFileError, match="finite"):
        ig.save(worked_example, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(folder)) == ["case.json"]


def test_newer_version_refused(worked_example, folder):
    data = json.loads(casefile.dumps(worked_example))
    data["version"] = casefile.VERSION + 1
    path = write(folder, "future.json", json.dumps(data))
    with pytest.raises(ig.VersionError, match="upgrade") as info:
        ig.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ig.CaseFileError)


@pytest.mark.parametrize("version", ["1", -1, 1.0, True, None])
def test_bad_version_refused(worked_example, folder, version):
    data = json.loads(casefile.dumps(worked_example))
    data["version"] = version
    path = write(folder, "bad.json", json.dumps(data))
    with pytest.raises(ig.CaseFileError, match="version") as info:
        ig.load(path)
    assert not isinstance(info.value, ig.VersionError)


@pytest.mark.parametrize(("content", "match"), [
    ("{not json", "not valid JSON"),
    (b'{"format": "ipt-graph", "label": "\xff\xfe"}', "not UTF-8"),
    ('{"format": "ipt-graph", "version": 1, "version": 1, "client_id": "C"}', "twice"),
    ('{"format": "other", "version": 1, "client_id": "C"}', "format"),
    ('{"version": 1, "client_id": "C"}', "format"),
    ('[{"format": "ipt-graph"}]', "top level"),
    ('"ipt-graph"', "top level"),
    ("", "not valid JSON"),
])
def test_not_a_case_file(folder, content, match):
    path = write(folder, "broken.json", content)
    with pytest.raises(ig.CaseFileError, match=match) as info:
        ig.load(path)
    assert str(path) in str(info.value)


def test_missing_file(folder):
    with pytest.raises(ig.CaseFileError, match="cannot be read"):
        ig.load(folder / "absent.json")


def test_invalid_records_name_the_file(worked_example, folder):
    data = json.loads(casefile.dumps(worked_example))
    data["ratings"][0]["ring"] = 9
    data["people"][0]["role"] = "wizard"
    path = write(folder, "invalid.json", json.dumps(data))
    with pytest.raises(ig.ValidationError) as info:
        ig.load(path)
    assert info.value.source == str(path)
    assert len(info.value.problems) == 2
    assert all(line.startswith(f"{path}: ") for line in info.value.lines())


# --- version 0 ------------------------------------------------------------------------------------


def test_version_0_fixture_migrates(data_dir, folder):
    source = data_dir / "casefile_v0.json"
    raw = json.loads(source.read_text(encoding="utf-8"))
    assert raw["version"] == 0 and "persons" in raw and "people" not in raw
    client = ig.load(source)
    assert [p.person_id for p in client.people] == ["p1", "p2", "p3"]
    assert [(t.a, t.b, t.kind, t.weight) for t in client.ties] == [
        ("p1", "p2", "conflict", 0.5), ("p1", "p3", "knows", 1.0)]  # source/target/type
    assert all(not s.complete for s in client.sessions)
    inv = client.inventory(3)
    assert inv.person_ids == ["p1", "p2"]  # p3 removed at 3, with the p1-p3 tie
    assert inv.people.set_index("person_id").loc["p1", "conflict"] == 3
    assert [tuple(t) for t in inv.ties[["a", "b", "kind"]].itertuples(index=False)] == [
        ("p1", "p2", "conflict")]

    path = ig.save(client, folder / "migrated.json")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["version"] == 1
    assert "people" in saved and "persons" not in saved
    assert {"a", "b", "kind"} <= set(saved["ties"][0])
    assert not {"source", "target", "type"} & set(saved["ties"][0])
    VALIDATOR.validate(saved)
    assert ig.load(path) == client
    assert_round_trip(client, folder / "again.json")


# --- atomic saves ---------------------------------------------------------------------------------


@pytest.fixture
def saved(worked_example, folder):
    """An existing case file, its bytes, and a changed client to save over it."""
    path = ig.save(worked_example, folder / "case.json")
    worked_example.add_person("p9", role="doctor")
    return path, path.read_bytes(), worked_example


def assert_intact(path: Path, before: bytes) -> None:
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]  # no temporary file left behind


def test_failed_fsync_leaves_the_old_file(saved, monkeypatch):
    path, before, client = saved

    def failing_fsync(descriptor):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(ig.SaveError, match="old file is intact") as info:
        ig.save(client, path)
    assert info.value.errno == errno.EIO
    assert isinstance(info.value, OSError)
    assert_intact(path, before)


def test_failed_replace_leaves_the_old_file(saved, monkeypatch):
    path, before, client = saved

    def failing_replace(source, target):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ig.SaveError) as info:
        ig.save(client, path)
    assert info.value.errno == errno.EACCES
    assert str(path) in str(info.value)
    assert_intact(path, before)


def test_full_disk_leaves_the_old_file(saved, monkeypatch):
    path, before, client = saved
    real_fdopen = os.fdopen

    class FullDisk:
        """A file handle whose writes fail as on a full disk (ENOSPC)."""

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self.handle.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self):
            self.handle.flush()

        def fileno(self):
            return self.handle.fileno()

    monkeypatch.setattr(os, "fdopen", lambda *args, **kwargs: FullDisk(
        real_fdopen(*args, **kwargs)))
    with pytest.raises(ig.SaveError, match="No space left") as info:
        ig.save(client, path)
    assert info.value.errno == errno.ENOSPC
    assert_intact(path, before)


def test_failed_folder_fsync_is_reported_without_claiming_the_old_file(saved, monkeypatch):
    path, _, client = saved
    real_fsync = os.fsync

    def fsync(descriptor):
        if stat.S_ISDIR(os.fstat(descriptor).st_mode):
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(ig.SaveError) as info:
        ig.save(client, path)
    assert "old file is intact" not in str(info.value)  # the rename already happened
    assert ig.load(path) == client
    assert os.listdir(path.parent) == [path.name]


def test_saving_an_invalid_client_writes_nothing(worked_example, folder):
    worked_example.rings = 2  # bypasses validation: p3 is rated in ring 3
    target = folder / "new.json"
    with pytest.raises(ig.ValidationError) as info:
        ig.save(worked_example, target)
    assert any(p.field == "ring" and "1..2" in p.message for p in info.value.problems)
    assert os.listdir(folder) == []


def test_saving_an_invalid_client_keeps_the_old_file(saved):
    path, before, client = saved
    client.rings = 2
    with pytest.raises(ig.ValidationError):
        ig.save(client, path)
    assert_intact(path, before)


def test_save_into_a_missing_folder(worked_example, folder):
    with pytest.raises(ig.SaveError):
        ig.save(worked_example, folder / "absent" / "case.json")
    assert os.listdir(folder) == []


# --- the JSON Schema ------------------------------------------------------------------------------


def test_shipped_schema_equals_the_generated_one():
    assert casefile.shipped_schema() == casefile.casefile_schema()
    Draft202012Validator.check_schema(casefile.shipped_schema())


def test_schema_refuses_what_the_model_refuses(worked_example):
    document = json.loads(casefile.dumps(worked_example))
    VALIDATOR.validate(document)
    for change in (
        lambda d: d.update(version=2),
        lambda d: d.update(format="other"),
        lambda d: d["ratings"][0].update(support=7),
        lambda d: d["ratings"][0].update(ring=7),
        lambda d: d["people"][0].update(role="wizard"),
        lambda d: d["people"][0].update(colour="blue"),
        lambda d: d.pop("client_id"),
    ):
        broken = json.loads(json.dumps(document))
        change(broken)
        assert not VALIDATOR.is_valid(broken)

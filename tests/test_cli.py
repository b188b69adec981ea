"""The command line, tested in-process through main(argv)."""

import json
from pathlib import Path

import pandas as pd
import pytest

import ipt_graph as ig
from ipt_graph.cli import main
from ipt_graph.metrics import METRICS


def _client(client_id="C-CLI"):
    client = ig.Client(client_id, rings=3)
    client.add_person("p1", label="ZZMARKER Partner", role="partner")
    client.add_person("p2", label="Sister (B.)", role="sibling")
    client.add_session(1, date="2026-01-05", phase="initial", measures={"phq9": 17})
    client.add_session(2, date="2026-01-12", phase="initial", attended=False)
    client.add_session(3, date="2026-01-19", phase="middle", measures={"phq9": 11})
    client.rate(1, "p1", ring=1, support=4, conflict=5)
    client.rate(1, "p2", ring=2, support=5, conflict=1)
    client.tie(1, "p1", "p2")
    client.add_problem_area("role_dispute", primary=True, focus=["p1"])
    return client


@pytest.fixture
def case(tmp_path):
    return ig.save(_client(), tmp_path / "case.json")


@pytest.fixture
def broken(tmp_path, case):
    data = json.loads(case.read_text())
    data["ratings"][0]["ring"] = 5
    data["ratings"][1]["support"] = 0
    data["people"][0]["notes"] = "x"  # not a field of a person
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    return path


def test_validate_ok(case, capsys):
    assert main(["validate", str(case)]) == 0
    assert "ok" in capsys.readouterr().out


def test_validate_lists_every_problem_one_per_line_without_labels(broken, capsys):
    assert main(["validate", str(broken)]) == 1
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith(str(broken)) for line in lines)
    assert any("ratings[0] (session 1, person p1): ring: must be 1..3" in line for line in lines)
    assert "Traceback" not in err and "ZZMARKER" not in err


def test_validate_not_json(tmp_path, capsys):
    path = tmp_path / "junk.json"
    path.write_text("{not json")
    assert main(["validate", str(path)]) == 1
    assert "not valid JSON" in capsys.readouterr().err


def test_bad_usage_exits_2(capsys):
    assert main([]) == 2
    assert main(["validate"]) == 2
    assert main(["frobnicate"]) == 2


def test_summary(case, capsys):
    assert main(["summary", str(case)]) == 0
    out = capsys.readouterr().out
    assert "Client C-CLI" in out
    assert "missed: 2" in out
    assert "PHQ-9: 17 (session 1) → 11 (session 3)" in out
    assert "SAFETY" not in out
    assert "ZZMARKER Partner" in out


def test_summary_shows_item9_first(tmp_path, capsys):
    client = _client()
    client.record_measure(3, "phq9", items=[2, 1, 1, 1, 1, 1, 1, 1, 2])
    path = ig.save(client, tmp_path / "flagged.json")
    assert main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert "SAFETY: PHQ-9 item 9 (thoughts of self-harm) above 0 at session 3" in out
    assert out.index("SAFETY") < out.index("PHQ-9: 17")


def test_summary_redacted_hides_labels(case, capsys):
    assert main(["summary", "--redact", str(case)]) == 0
    out = capsys.readouterr().out
    assert "ZZMARKER" not in out
    assert "p1 (partner)" in out


def test_metrics_one_row_per_client_session(tmp_path, capsys):
    folder = tmp_path / "cases"
    folder.mkdir()
    ig.save(_client("C-A"), folder / "a.json")
    ig.save(_client("C-B"), folder / "b.json")
    out = tmp_path / "metrics.csv"
    assert main(["metrics", str(folder), "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["client_id", "session", *METRICS]
    assert len(table) == 6
    assert sorted(set(table.client_id)) == ["C-A", "C-B"]
    expected = _client("C-A").inventory(2).metrics()
    row = table[(table.client_id == "C-A") & (table.session == 2)].iloc[0]
    assert row["n_people"] == expected["n_people"] == 2
    assert row["constraint"] == pytest.approx(expected["constraint"])


def test_metrics_refuses_invalid_input(broken, tmp_path):
    out = tmp_path / "metrics.csv"
    assert main(["metrics", str(broken), "-o", str(out)]) == 1
    assert not out.exists()


EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"


def test_import_network_canvas_zip(tmp_path, capsys):
    canvas = EXAMPLES / "network_canvas"
    out = tmp_path / "cases"
    assert main(["import", "network-canvas", str(canvas / "network_canvas_export.zip"),
                 "--map", str(canvas / "mapping.toml"), "--person-key", "name",
                 "-o", str(out)]) == 0
    captured = capsys.readouterr()
    clients = [ig.load(path) for path in sorted(out.glob("*.json"))]
    assert len(clients) == 2
    assert all(s.complete for c in clients for s in c.sessions)
    assert "Repaired rows" in captured.err and "Person A" not in captured.err


def test_import_network_canvas_missing_mapped_column(tmp_path, capsys):
    canvas = EXAMPLES / "network_canvas"
    mapping = tmp_path / "map.toml"
    mapping.write_text((canvas / "mapping.toml").read_text().replace(
        'variable = "closeness"', 'variable = "no_such_variable"'))
    assert main(["import", "network-canvas", str(canvas / "export"), "--map", str(mapping),
                 "-o", str(tmp_path / "out")]) == 1
    assert "no_such_variable" in capsys.readouterr().err


def test_export_round_trips_through_egor_and_graphml(tmp_path, capsys):
    assert main(["export", "egor", str(EXAMPLES), "-o", str(tmp_path / "egor")]) == 0
    egor = tmp_path / "egor"
    assert main(["import", "egor", str(egor / "egos.csv"), str(egor / "alters.csv"),
                 str(egor / "aaties.csv"), "-o", str(tmp_path / "back")]) == 0
    assert len(list((tmp_path / "back").glob("*.json"))) == 4
    assert main(["export", "graphml", str(EXAMPLES / "grief.json"),
                 "-o", str(tmp_path / "g")]) == 0
    grief = ig.load(EXAMPLES / "grief.json")
    assert len(list((tmp_path / "g").glob("*.graphml"))) == len(grief.sessions)
    text = " ".join(p.read_text() for p in (tmp_path / "g").glob("*.graphml"))
    assert "Mother (M.)" not in text  # labels only with --include-text
    assert main(["export", "json", str(EXAMPLES), "-o", str(tmp_path / "json")]) == 0
    assert ig.load(tmp_path / "json" / "EX-GRIEF.json") == grief


def test_template_and_import_excel_round_trip(tmp_path, capsys):
    workbook = tmp_path / "inventory.xlsx"
    assert main(["template", "-o", str(workbook), "--from", str(EXAMPLES / "grief.json")]) == 0
    assert workbook.exists()
    assert main(["import", "excel", str(workbook), "-o", str(tmp_path / "cases")]) == 0
    assert ig.load(tmp_path / "cases" / "EX-GRIEF.json") == ig.load(EXAMPLES / "grief.json")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "excel"])
def test_export_tables_round_trip_and_leave_text_out(tmp_path, fmt):
    from ipt_graph.cohort import Cohort

    out = tmp_path / fmt
    assert main(["export", fmt, str(EXAMPLES), "-o", str(out)]) == 0
    source = out / "cohort.xlsx" if fmt == "excel" else out
    cohort = Cohort.from_tables(source)
    assert sorted(c.client_id for c in cohort.clients()) == [
        "EX-DEFICITS", "EX-DISPUTE", "EX-GRIEF", "EX-TRANSITION"]
    expected = Cohort.from_folder(EXAMPLES).metrics()
    pd.testing.assert_frame_equal(cohort.metrics(), expected)
    assert not any(p.label for c in cohort.clients() for p in c.people)


def test_report_one_case_html(tmp_path, capsys):
    out = tmp_path / "grief.html"
    assert main(["report", str(EXAMPLES / "grief.json"), "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "EX-GRIEF" in html and "Content-Security-Policy" in html
    assert str(out) in capsys.readouterr().out


def test_report_usage_errors(tmp_path):
    assert main(["report", str(EXAMPLES), "-o", str(tmp_path / "x.html")]) == 2
    assert main(["report", str(EXAMPLES / "grief.json"), "-o", str(tmp_path / "x.html"),
                 "--sessions", "one"]) == 2

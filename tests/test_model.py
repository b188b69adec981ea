"""The client record: the building API and every validation rule (DESIGN.md §3, §5).

Each refused change raises a ValidationError whose problems name the record, the field and
the allowed values, and leaves the client exactly as it was (model.py: "refuses the whole
change when anything is wrong"). Scales and ranges are those of DOMAIN.md §4 and §6.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable

import pytest

import ipt_graph as ig
from ipt_graph import vocab
from ipt_graph.model import measure_total

MARKER = "ZZSECRET"


def base_client() -> ig.Client:
    """Rings 3; p1 (partner) on the map at session 1, p2 (friend) in the record only."""
    client = ig.Client("C-200", rings=3)
    client.add_person("p1", label="Synthetic partner", role="partner")
    client.add_person("p2", label="Synthetic friend", role="friend")
    client.add_session(1, date="2026-01-05")
    client.add_session(2, date="2026-01-12")
    client.rate(1, "p1", ring=1, support=5, conflict=4)
    return client


def refused(client: ig.Client, change: Callable[[ig.Client], object], *, record: str,
            field: str, allowed: str) -> ig.ValidationError:
    """Apply ``change``, expect a ValidationError naming ``record``, ``field`` and
    ``allowed``, and check that the client did not change."""
    before = copy.deepcopy(client.to_dict())
    lists = {name: list(getattr(client, name)) for name in
             ("people", "sessions", "ratings", "removals", "ties", "events", "problem_areas")}
    with pytest.raises(ig.ValidationError) as info:
        change(client)
    error = info.value
    matching = [p for p in error.problems
                if p.record.startswith(record) and p.field == field and allowed in p.message]
    assert matching, f"no problem ({record!r}, {field!r}, {allowed!r}) in {error.problems}"
    assert client.to_dict() == before
    for name, records in lists.items():
        assert getattr(client, name) == records
    return error


# --- building -------------------------------------------------------------------------------------


class TestBuilding:
    def test_add_person_derives_sector_from_role(self):
        client = ig.Client("C-201")
        person = client.add_person("p1", role="colleague", gender="female", age_band="25_34")
        assert person.resolved_sector == "work_school"  # DOMAIN.md §5
        assert person.sni_role == "workmates"
        other = client.add_person("p2", role="friend", sector="community",
                                  attributes={"years_known": 12})
        assert other.resolved_sector == "community"
        assert other.attributes == {"years_known": 12}
        assert client.person("p2") is other
        assert client.rings == vocab.DEFAULT_RINGS == 3
        with pytest.raises(ig.NotFoundError, match="p9"):
            client.person("p9")

    def test_add_session_measures_as_items_total_or_dict(self):
        client = ig.Client("C-202")
        items = [0, 1, 2, 3, 0, 1, 2, 3, 1]
        client.add_session(1, date="2026-01-05", phase="initial", measures={"phq9": items})
        client.add_session(2, date=dt.date(2026, 1, 12), measures={"phq9": 12, "bdi2": 20})
        client.add_session(3, measures={"phq9": {"total": 13, "items": items},
                                        "gad7": {"total": 9}})
        first, second, third = client.sessions
        assert first.measures["phq9"].items == tuple(items)
        assert first.measures["phq9"].total is None
        assert measure_total("phq9", first.measures["phq9"]) == 13  # sum of the items
        assert second.measures["phq9"].total == 12 and second.measures["bdi2"].total == 20
        assert second.date == dt.date(2026, 1, 12)
        assert third.measures["phq9"].total == 13 and third.measures["gad7"].total == 9
        assert first.phase == "initial" and first.attended and not first.complete

    def test_mspss_items_are_scored_as_a_mean(self):
        client = ig.Client("C-203")
        items = [7, 6, 5, 4, 3, 2, 1, 2, 3, 4, 5, 6]  # mean 4.0 (Zimet et al. 1988)
        client.add_session(1, measures={"mspss": {"items": items, "total": 4.0}})
        assert measure_total("mspss", client.sessions[0].measures["mspss"]) == pytest.approx(4)

    def test_record_measure_adds_and_replaces(self):
        client = base_client()
        client.record_measure(1, "phq9", total=15)
        client.record_measure(1, "gad7", items=[1, 1, 1, 1, 1, 1, 1])
        client.record_measure(1, "phq9", total=10)
        measures = client.session(1).measures
        assert measures["phq9"].total == 10
        assert measures["gad7"].items == (1,) * 7
        with pytest.raises(ig.NotFoundError):
            client.record_measure(9, "phq9", total=3)

    def test_rate_merges_fields_at_one_session(self):
        client = base_client()
        client.rate(2, "p1", support=2)
        rating = client.rate(2, "p1", contact="weekly", confidant=True)
        assert rating.values() == {"support": 2, "contact": "weekly", "confidant": True}
        assert [(r.session, r.person_id) for r in client.ratings] == [(1, "p1"), (2, "p1")]

    def test_remove_tie_end_tie(self):
        client = base_client()
        client.add_session(3)
        client.rate(1, "p2", ring=2)
        tie = client.tie(1, "p2", "p1", kind="close", weight=0.5)
        assert (tie.a, tie.b, tie.kind, tie.weight) == ("p1", "p2", "close", 0.5)  # a < b
        ended = client.end_tie(2, "p1", "p2", kind="close")
        assert ended.ended
        removal = client.remove(3, "p2")
        assert (removal.session, removal.person_id) == (3, "p2")
        assert client.inventory(3).person_ids == ["p1"]

    def test_add_event_and_problem_area(self):
        client = base_client()
        event = client.add_event("e1", date="2025-03", kind="separation", people=["p1"],
                                 problem_area="role_dispute", onset=True)
        assert event.people == ("p1",) and event.onset
        area = client.add_problem_area("role_dispute", primary=True, focus=["p1"])
        transition = client.add_problem_area("role_transition", old_role="employee",
                                             new_role="parent", date="2025")
        assert client.primary_problem_area is area
        assert transition.new_role == "parent"
        client.rate(2, "p1", dispute_stage="impasse")  # allowed for a role_dispute focus
        assert client.inventory(2).people.loc[0, "dispute_stage"] == "impasse"

    def test_ratings_are_kept_in_canonical_order(self):
        client = base_client()
        client.rate(2, "p2", ring=3)
        client.rate(1, "p2", ring=2)
        assert [(r.session, r.person_id) for r in client.ratings] == [
            (1, "p1"), (1, "p2"), (2, "p2")]

    def test_equal_session_dates_are_allowed(self):
        client = base_client()
        client.add_session(3, date="2026-01-12")  # same date as session 2
        assert client.session(3).date == client.session(2).date

    def test_client_constructor_validates_everything(self):
        client = ig.Client(**{**base_client().to_dict()})
        assert client == base_client()


# --- validation: ranges ---------------------------------------------------------------------------


class TestRanges:
    def test_ring_beyond_rings_refused_never_clamped(self):
        client = base_client()
        refused(client, lambda c: c.rate(2, "p1", ring=5),
                record="rating (session 2, person p1)", field="ring", allowed="1..3")
        assert client.inventory(2).people.loc[0, "ring"] == 1

    def test_ring_beyond_rings_refused_on_load(self):
        data = base_client().to_dict()
        data["ratings"][0]["ring"] = 5
        with pytest.raises(ig.ValidationError) as info:
            ig.Client.from_dict(data)
        assert [(p.record, p.field) for p in info.value.problems] == [
            ("ratings[0] (session 1, person p1)", "ring")]
        assert "1..3" in info.value.problems[0].message

    def test_ring_beyond_six_refused(self):
        refused(base_client(), lambda c: c.rate(2, "p1", ring=7),
                record="rating (session 2, person p1)", field="ring", allowed="6")

    def test_desired_ring_beyond_rings(self):
        refused(base_client(), lambda c: c.rate(2, "p1", desired_ring=4),
                record="rating (session 2, person p1)", field="desired_ring",
                allowed="1..3")

    @pytest.mark.parametrize("field", ["support", "conflict"])
    @pytest.mark.parametrize(("value", "allowed"), [(0, "1"), (7, "6"), (-3, "1")])
    def test_support_and_conflict_are_1_to_6(self, field, value, allowed):
        refused(base_client(), lambda c: c.rate(2, "p1", **{field: value}),
                record="rating (session 2, person p1)", field=field, allowed=allowed)

    def test_rings_of_the_client_are_2_to_6(self):
        for rings, allowed in ((1, "2"), (7, "6")):
            with pytest.raises(ig.ValidationError) as info:
                ig.Client("C-204", rings=rings)
            assert (info.value.problems[0].record, info.value.problems[0].field) == (
                "client", "rings")
            assert allowed in info.value.problems[0].message

    def test_ring_labels_one_per_ring(self):
        with pytest.raises(ig.ValidationError) as info:
            ig.Client("C-205", rings=3, ring_labels=["inner", "outer"])
        assert [(p.record, p.field) for p in info.value.problems] == [("client", "ring_labels")]

    def test_vocabulary_values_refused_with_allowed_tokens(self):
        refused(base_client(), lambda c: c.rate(2, "p1", status="gone"),
                record="rating (session 2, person p1)", field="status", allowed="deceased")
        refused(base_client(), lambda c: c.add_person("p3", role="wizard"),
                record="person (person p3)", field="role", allowed="'partner'")


# --- validation: measures -------------------------------------------------------------------------


class TestMeasures:
    def test_phq9_item_4_refused(self):
        items = [0, 1, 2, 4, 0, 0, 0, 0, 0]
        refused(base_client(), lambda c: c.add_session(3, measures={"phq9": items}),
                record="session (session 3)", field="measures.phq9.items[4]", allowed="0..3")

    def test_total_differing_from_items_refused(self):
        items = [0, 1, 2, 3, 0, 0, 0, 0, 0]  # sum 6
        refused(base_client(),
                lambda c: c.add_session(3, measures={"phq9": {"items": items, "total": 5}}),
                record="session (session 3)", field="measures.phq9.total",
                allowed="sum of the items (6)")

    def test_wrong_number_of_items_refused(self):
        refused(base_client(), lambda c: c.add_session(3, measures={"gad7": [1, 2, 3]}),
                record="session (session 3)", field="measures.gad7.items",
                allowed="7 items")

    def test_items_of_a_proprietary_instrument_refused(self):
        refused(base_client(), lambda c: c.add_session(3, measures={"bdi2": [1] * 21}),
                record="session (session 3)", field="measures.bdi2.items",
                allowed="total only")

    def test_total_out_of_range_refused(self):
        refused(base_client(), lambda c: c.add_session(3, measures={"phq9": 28}),
                record="session (session 3)", field="measures.phq9.total", allowed="0..27")
        refused(base_client(), lambda c: c.record_measure(1, "bdi2", total=64),
                record="session (session 1)", field="measures.bdi2.total", allowed="0..63")

    def test_a_measure_needs_a_total_or_items(self):
        refused(base_client(), lambda c: c.add_session(3, measures={"phq9": {}}),
                record="session (session 3)", field="measures.phq9", allowed="total")

    def test_nan_and_infinity_refused(self):
        for value in (float("nan"), float("inf")):
            refused(base_client(), lambda c, v=value: c.add_session(3, measures={"sleep": v}),
                    record="session (session 3)", field="measures.sleep.total",
                    allowed="finite")


# --- validation: references -----------------------------------------------------------------------


class TestReferences:
    def test_rating_of_unknown_person_or_session(self):
        refused(base_client(), lambda c: c.rate(2, "p9", ring=1),
                record="rating (session 2, person p9)", field="person_id",
                allowed="add_person")
        refused(base_client(), lambda c: c.rate(9, "p1", ring=1),
                record="rating (session 9, person p1)", field="session", allowed="add_session")

    def test_tie_of_unknown_person_or_session(self):
        refused(base_client(), lambda c: c.tie(1, "p1", "p9"),
                record="tie (session 1, p1–p9", field="b", allowed="add_person")
        client = base_client()
        client.rate(1, "p2", ring=2)
        refused(client, lambda c: c.tie(9, "p1", "p2"),
                record="tie (session 9, p1–p2", field="session", allowed="add_session")

    def test_removal_of_unknown_person_or_session(self):
        refused(base_client(), lambda c: c.remove(2, "p9"),
                record="removal (session 2, person p9)", field="person_id",
                allowed="add_person")
        refused(base_client(), lambda c: c.remove(9, "p1"),
                record="removal (session 9, person p1)", field="session",
                allowed="add_session")

    def test_problem_area_focus_must_exist(self):
        refused(base_client(), lambda c: c.add_problem_area("grief", focus=["p9"]),
                record="problem area (grief)", field="focus", allowed="person p9")

    def test_event_people_must_exist(self):
        refused(base_client(), lambda c: c.add_event("e1", people=["p1", "p9"]),
                record="event (event e1)", field="people", allowed="person p9")


# --- validation: keys -----------------------------------------------------------------------------


class TestKeys:
    def test_duplicate_person(self):
        refused(base_client(), lambda c: c.add_person("p1"),
                record="person (person p1)", field="", allowed="unique")

    def test_duplicate_session(self):
        refused(base_client(), lambda c: c.add_session(1),
                record="session (session 1)", field="", allowed="unique")

    def test_duplicate_rating_key_on_load(self):
        data = base_client().to_dict()
        data["ratings"].append({"session": 1, "person_id": "p1", "support": 2})
        with pytest.raises(ig.ValidationError) as info:
            ig.Client.from_dict(data)
        assert [(p.record, p.field) for p in info.value.problems] == [
            ("ratings[1] (session 1, person p1)", "")]

    def test_duplicate_removal(self):
        client = base_client()
        client.remove(2, "p1")
        refused(client, lambda c: c.remove(2, "p1"),
                record="removal (session 2, person p1)", field="", allowed="unique")

    def test_duplicate_tie_key(self):
        client = base_client()
        client.rate(1, "p2", ring=2)
        client.tie(1, "p1", "p2", kind="close")
        refused(client, lambda c: c.tie(1, "p2", "p1", kind="close", weight=0.2),
                record="tie (session 1, p1–p2, close)", field="", allowed="unique")
        client.tie(1, "p1", "p2", kind="conflict")  # another kind on the pair is fine

    def test_duplicate_event(self):
        client = base_client()
        client.add_event("e1")
        refused(client, lambda c: c.add_event("e1", kind="death"),
                record="event (event e1)", field="", allowed="unique")

    def test_duplicate_problem_area(self):
        client = base_client()
        client.add_problem_area("grief")
        refused(client, lambda c: c.add_problem_area("grief"),
                record="problem area (grief)", field="", allowed="unique")

    @pytest.mark.parametrize("person_id", ["ego", "Ego", "EGO"])
    def test_ego_is_not_a_person_id(self, person_id):
        refused(base_client(), lambda c: c.add_person(person_id),
                record=f"person (person {person_id})", field="person_id", allowed="reserved")

    def test_bad_ids_refused(self):
        refused(base_client(), lambda c: c.add_person("has space"),
                record="person", field="person_id", allowed="pattern")


# --- validation: rules between records ------------------------------------------------------------


class TestRules:
    def test_session_dates_never_go_backwards(self):
        refused(base_client(), lambda c: c.add_session(3, date="2026-01-11"),
                record="session (session 3)", field="date", allowed="session 2")
        refused(base_client(), lambda c: c.add_session(0, date="2026-01-06"),
                record="session (session 1)", field="date", allowed="session 0")

    def test_dispute_stage_without_a_dispute(self):
        client = base_client()
        refused(client, lambda c: c.rate(2, "p1", dispute_stage="impasse"),
                record="rating (session 2, person p1)", field="dispute_stage",
                allowed="role_dispute")
        client.add_problem_area("role_dispute", focus=["p2"])  # a dispute, but not with p1
        refused(client, lambda c: c.rate(2, "p1", dispute_stage="impasse"),
                record="rating (session 2, person p1)", field="dispute_stage",
                allowed="role_dispute")

    @pytest.mark.parametrize(("field", "value"),
                             [("old_role", "worker"), ("new_role", "parent"), ("date", "2025")])
    def test_transition_fields_only_on_a_transition(self, field, value):
        refused(base_client(), lambda c: c.add_problem_area("grief", **{field: value}),
                record="problem area (grief)", field=field, allowed="role_transition")

    def test_two_primary_areas(self):
        client = base_client()
        client.add_problem_area("grief", primary=True)
        refused(client, lambda c: c.add_problem_area("role_dispute", primary=True),
                record="problem_areas", field="primary", allowed="at most one")

    def test_tie_of_a_person_to_themself(self):
        refused(base_client(), lambda c: c.tie(1, "p1", "p1"),
                record="tie (session 1, p1–p1", field="", allowed="two different people")

    def test_entering_the_map_needs_a_ring(self):
        refused(base_client(), lambda c: c.rate(1, "p2", support=3, conflict=1),
                record="rating (session 1, person p2)", field="ring", allowed="required")

    def test_returning_after_removal_needs_a_ring(self):
        client = base_client()
        client.add_session(3)
        client.remove(2, "p1")
        refused(client, lambda c: c.rate(3, "p1", support=3),
                record="rating (session 3, person p1)", field="ring", allowed="required")

    def test_removal_of_someone_not_on_the_map(self):
        refused(base_client(), lambda c: c.remove(2, "p2"),
                record="removal (session 2, person p2)", field="person_id",
                allowed="not on the map at session 2")

    def test_removed_and_rated_at_one_session(self):
        refused(base_client(), lambda c: c.remove(1, "p1"),
                record="removal (session 1, person p1)", field="", allowed="both rated")

    def test_ending_a_tie_that_is_not_there(self):
        client = base_client()
        client.rate(1, "p2", ring=2)
        refused(client, lambda c: c.end_tie(2, "p1", "p2"),
                record="tie (session 2, p1–p2, knows)", field="ended",
                allowed="no knows tie to end")
        client.tie(1, "p1", "p2", kind="close")
        refused(client, lambda c: c.end_tie(2, "p1", "p2", kind="knows"),
                record="tie (session 2, p1–p2, knows)", field="ended",
                allowed="no knows tie to end")

    def test_tie_to_someone_not_on_the_map(self):
        refused(base_client(), lambda c: c.tie(1, "p1", "p2"),
                record="tie (session 1, p1–p2, knows)", field="b",
                allowed="not on the map at session 1")

    def test_unknown_rating_field(self):
        error = refused(base_client(), lambda c: c.rate(2, "p1", closeness=3),
                        record="rating (session 2, person p1)", field="closeness",
                        allowed="ring, support, conflict")
        assert len(error.problems) == 1

    @pytest.mark.parametrize("field", ["ring", "support", "conflict", "desired_ring"])
    def test_bool_is_not_an_int_in_ratings(self, field):
        refused(base_client(), lambda c: c.rate(2, "p1", **{field: True}),
                record="rating (session 2, person p1)", field=field, allowed="integer")

    def test_bool_is_not_a_number_elsewhere(self):
        refused(base_client(), lambda c: c.add_session(True),
                record="session", field="number", allowed="integer")
        refused(base_client(), lambda c: c.add_session(3, measures={"phq9": True}),
                record="session (session 3)", field="measures.phq9.total", allowed="integer")
        refused(base_client(), lambda c: c.add_session(3, measures={"phq9": [True] * 9}),
                record="session (session 3)", field="measures.phq9.items[0]",
                allowed="integer")
        client = base_client()
        client.rate(1, "p2", ring=2)
        refused(client, lambda c: c.tie(1, "p1", "p2", weight=True),
                record="tie (session 1, p1–p2, knows)", field="weight", allowed="number")
        with pytest.raises(ig.ValidationError) as info:
            ig.Client("C-206", rings=True)
        assert info.value.problems[0].field == "rings"

    def test_numbers_are_not_strings_or_floats(self):
        refused(base_client(), lambda c: c.rate(2, "p1", ring=1.0),
                record="rating (session 2, person p1)", field="ring", allowed="integer")
        refused(base_client(), lambda c: c.rate(2, "p1", support="5"),
                record="rating (session 2, person p1)", field="support", allowed="integer")
        client = base_client()
        client.rate(1, "p2", ring=2)
        refused(client, lambda c: c.tie(1, "p1", "p2", weight="0.5"),
                record="tie (session 1, p1–p2, knows)", field="weight", allowed="number")

    def test_int_is_not_a_bool(self):
        refused(base_client(), lambda c: c.add_session(3, attended=1),
                record="session (session 3)", field="attended", allowed="boolean")

    @pytest.mark.parametrize("weight", [0, -0.5, 1.5])
    def test_tie_weight_in_0_1(self, weight):
        client = base_client()
        client.rate(1, "p2", ring=2)
        refused(client, lambda c: c.tie(1, "p1", "p2", weight=weight),
                record="tie (session 1, p1–p2, knows)", field="weight", allowed="than")

    def test_approximate_dates(self):
        client = base_client()
        client.add_event("e1", date="2024")
        client.add_event("e2", date="2024-02")
        refused(client, lambda c: c.add_event("e3", date="2024-02-30"),
                record="event (event e3)", field="date", allowed="calendar date")
        refused(client, lambda c: c.add_event("e3", date="spring 2024"),
                record="event (event e3)", field="date", allowed="pattern")


# --- loading: every problem at once ---------------------------------------------------------------


def broken_dict() -> dict:
    """A client with exactly one problem per line marked ``# n`` (22 in all)."""
    return {
        "client_id": "C-300", "rings": 3,
        "planned_sessions": 0,  # 1
        "ring_labels": ["inner", "outer"],  # 2
        "people": [
            {"person_id": "p1", "role": "partner"},
            {"person_id": "p2", "role": "wizard"},  # 3
            {"person_id": "ego"},  # 4
            {"person_id": "p1", "role": "friend"},  # 5 duplicate
            {"person_id": "p3", "role": "friend"},
        ],
        "sessions": [
            {"number": 1, "date": "2026-02-01",
             "measures": {"phq9": {"items": [0, 1, 2, 4, 0, 0, 0, 0, 0]}}},  # 6
            {"number": 2, "attended": "yes"},  # 7
            {"number": 3, "date": "2026-01-01"},  # 8 backwards from session 1
        ],
        "ratings": [
            {"session": 1, "person_id": "p1", "ring": 1, "support": 7},  # 9
            {"session": 1, "person_id": "p3", "ring": 5},  # 10 (rings 3)
            {"session": 1, "person_id": "p9", "ring": 1},  # 11
            {"session": 8, "person_id": "p1", "ring": 1},  # 12
            {"session": 3, "person_id": "p1", "colour": "blue"},  # 13
            {"session": 3, "person_id": "p3", "dispute_stage": "impasse"},  # 14
        ],
        "removals": [{"session": 1, "person_id": "p7"}],  # 15
        "ties": [
            {"session": 1, "a": "p1", "b": "p3", "weight": 2},  # 16
            {"session": 1, "a": "p3", "b": "p3"},  # 17
        ],
        "events": [
            {"event_id": "e1", "date": "2025-13"},  # 18
            {"event_id": "e2", "people": ["p8"]},  # 19
        ],
        "problem_areas": [
            {"area": "grief", "primary": True, "old_role": "worker"},  # 20
            {"area": "role_transition", "primary": True, "focus": ["p6"]},  # 21 and 22
        ],
    }


def test_loading_reports_every_problem_at_once():
    with pytest.raises(ig.ValidationError) as info:
        ig.Client.from_dict(broken_dict(), source="broken.json")
    error = info.value
    located = sorted((p.record, p.field) for p in error.problems)
    assert located == sorted([
        ("client", "planned_sessions"),
        ("client", "ring_labels"),
        ("people[1] (person p2)", "role"),
        ("people[2] (person ego)", "person_id"),
        ("people[3] (person p1)", ""),
        ("sessions[0] (session 1)", "measures.phq9.items[4]"),
        ("sessions[1] (session 2)", "attended"),
        ("sessions[2] (session 3)", "date"),
        ("ratings[0] (session 1, person p1)", "support"),
        ("ratings[1] (session 1, person p3)", "ring"),
        ("ratings[2] (session 1, person p9)", "person_id"),
        ("ratings[3] (session 8, person p1)", "session"),
        ("ratings[4] (session 3, person p1)", "<key>"),
        ("ratings[5] (session 3, person p3)", "dispute_stage"),
        ("removals[0] (session 1, person p7)", "person_id"),
        ("ties[0] (session 1, p1–p3)", "weight"),
        ("ties[1] (session 1, p3–p3)", ""),
        ("events[0] (event e1)", "date"),
        ("events[1] (event e2)", "people"),
        ("problem_areas[0] (grief)", "old_role"),
        ("problem_areas[1] (role_transition)", "focus"),
        ("problem_areas", "primary"),
    ])
    assert len(error.problems) == 22
    assert error.source == "broken.json"
    assert str(error).startswith("22 problems in broken.json:")
    assert len(error.lines()) == 22
    assert all(line.startswith("broken.json: ") for line in error.lines())


def test_loading_refuses_non_objects_and_bad_lists():
    with pytest.raises(ig.ValidationError):
        ig.Client.from_dict(["not", "an", "object"])  # type: ignore[arg-type]
    with pytest.raises(ig.ValidationError) as info:
        ig.Client.from_dict({"client_id": "C-301", "people": {"p1": {}}})
    assert [(p.record, p.field) for p in info.value.problems] == [("client", "people")]


def test_valid_dict_loads_and_equals_the_built_client():
    client = base_client()
    assert ig.Client.from_dict(client.to_dict()) == client


# --- privacy --------------------------------------------------------------------------------------


def secret_dict() -> dict:
    """A client with MARKER in every label, note and text field, and errors in those records."""
    secret = f"Person {MARKER} X"
    return {
        "client_id": "C-400", "rings": 3, "label": secret, "notes": secret, "rings_extra": 1,
        "people": [
            {"person_id": "p1", "label": secret, "role": "partner",
             "attributes": {"nickname": secret}},
            {"person_id": "p2", "label": secret, "role": "wizard"},
            {"person_id": "p3", "label": secret * 3000},  # too long
        ],
        "sessions": [
            {"number": 1, "date": "2026-01-05", "notes": secret},
            {"number": 2, "date": "2026-01-01", "notes": secret, "attended": secret},
        ],
        "ratings": [
            {"session": 1, "person_id": "p1", "ring": 9, "notes": secret,
             "expectations": secret, "satisfying": secret, "unsatisfying": secret,
             "desired_change": secret},
            {"session": 1, "person_id": "p2", "ring": 1, "status": secret, "notes": secret},
            {"session": 2, "person_id": "p1", "notes": 5, "satisfying": secret},
        ],
        "ties": [{"session": 1, "a": "p1", "b": "p2", "kind": secret}],
        "events": [{"event_id": "e1", "notes": secret, "kind": secret, "people": ["p9"]}],
        "problem_areas": [{"area": "grief", "old_role": secret, "new_role": secret,
                           "notes": secret, "focus": ["p9"]}],
    }


def test_errors_never_echo_labels_notes_or_text():
    with pytest.raises(ig.ValidationError) as info:
        ig.Client.from_dict(secret_dict())
    error = info.value
    assert len(error.problems) >= 10
    shown = [str(error), repr(error), *error.lines(), *(repr(p) for p in error.problems),
             *(str(arg) for arg in error.args)]
    for text in shown:
        assert MARKER not in text


def test_building_errors_never_echo_text():
    client = base_client()
    secret = f"Person {MARKER}"
    changes = [
        lambda c: c.add_person("p3", label=secret, role=secret),
        lambda c: c.add_person("p3", label=secret * 5000),
        lambda c: c.rate(2, "p1", ring=9, notes=secret, expectations=secret),
        lambda c: c.rate(2, "p1", status=secret),
        lambda c: c.add_session(3, notes=secret, phase=secret),
        lambda c: c.add_event("e1", notes=secret, date=secret),
        lambda c: c.add_problem_area("grief", old_role=secret, notes=secret),
        lambda c: c.tie(1, "p1", "p2", kind=secret),
    ]
    for change in changes:
        with pytest.raises(ig.ValidationError) as info:
            change(client)
        assert MARKER not in str(info.value)
        assert MARKER not in repr(info.value)
        assert all(MARKER not in repr(p) for p in info.value.problems)


def test_reprs_never_show_text():
    secret = f"Person {MARKER}"
    client = ig.Client("C-401", rings=3, label=secret, notes=secret)
    client.add_person("p1", label=secret, role="partner", attributes={"nickname": secret})
    client.add_person("p2", label=secret, role="sibling")
    client.add_session(1, notes=secret)
    client.rate(1, "p1", ring=1, notes=secret, expectations=secret, satisfying=secret,
                unsatisfying=secret, desired_change=secret)
    client.rate(1, "p2", ring=2)
    client.tie(1, "p1", "p2")
    client.add_event("e1", notes=secret, people=["p1"])
    client.add_problem_area("role_transition", old_role=secret, new_role=secret, notes=secret)
    records = [*client.people, *client.sessions, *client.ratings, *client.ties,
               *client.events, *client.problem_areas]
    for shown in [repr(client), str(client), repr(client.inventory()),
                  *(repr(r) for r in records), *(str(r) for r in records)]:
        assert MARKER not in shown
    assert client.person("p1").label == secret  # kept, just not shown

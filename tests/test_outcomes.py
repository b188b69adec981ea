"""Instruments, bands, reliable change and outcome categories (DOMAIN.md §6).

Boundaries are tested exactly at each threshold and one point short of it, for a
lower-is-better scale (PHQ-9, GAD-7) and a higher-is-better one (a user-defined wellbeing
scale, since neither MSPSS nor RSES publishes a caseness cut-off). Jacobson-Truax values are
computed by hand in the tests. Only synthetic clients.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import ipt_graph as ig
from ipt_graph import vocab
from ipt_graph.errors import NotFoundError
from ipt_graph.outcomes import (
    OUTCOME_COLUMNS,
    Direction,
    Instrument,
    band,
    client_outcomes,
    clinical_cutoffs,
    get_instrument,
    item9_flags,
    joint_recovery,
    measures_table,
    outcome_category,
    registry,
    reliable_change,
    reliable_change_index,
    remission,
    response,
    subscale_scores,
)

#: A user-defined higher-is-better scale: at caseness at or below 20, reliable change 5 points.
WELLBEING = Instrument("wellbeing", range=(0, 40), title="Wellbeing", higher_is_better=True,
                       caseness=20, reliable_change=5,
                       bands={"local": (("low", 0, 21), ("ok", 21, 40.5))})


# --- the registry -----------------------------------------------------------------------------


def test_registry_is_built_from_vocab():
    instruments = registry()
    assert list(instruments) == list(vocab.INSTRUMENTS)
    for name, spec in vocab.INSTRUMENTS.items():
        instrument = instruments[name]
        assert instrument.range == (spec.total_min, spec.total_max)
        assert instrument.title == spec.title
        assert instrument.higher_is_better == spec.higher_is_better
        assert instrument.caseness == spec.caseness
        assert instrument.reliable_change == spec.reliable_change
        assert dict(instrument.bands) == spec.bands
        assert dict(instrument.subscales) == spec.subscales
        assert instrument.default_banding == next(iter(spec.bands))
    assert instruments["hamd17"].default_banding == "default"
    assert set(instruments["hamd17"].bands) == {"default", "zimmerman2013"}


def test_registry_is_not_global():
    mine = registry(WELLBEING)
    mine.pop("phq9")
    assert "wellbeing" in mine and "wellbeing" not in registry()
    assert "phq9" in registry()
    with pytest.raises(TypeError):
        registry("wellbeing")


def test_unknown_instrument_names_the_known_ones():
    with pytest.raises(NotFoundError, match=r"gad7.*phq9.*got 'wellbeing'"):
        get_instrument("wellbeing")
    assert get_instrument("wellbeing", registry(WELLBEING)) is WELLBEING
    assert get_instrument(WELLBEING) is WELLBEING


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": "PHQ-9", "range": (0, 27)}, "name must be"),
    ({"name": "x", "range": (5, 5)}, "range must be"),
    ({"name": "x", "range": (0, 10), "caseness": 11}, "caseness must be within"),
    ({"name": "x", "range": (0, 10), "reliable_change": 0}, "reliable_change must be"),
    ({"name": "x", "range": (0, 10), "scoring": "median"}, "scoring must be"),
    ({"name": "x", "range": (0, 10), "bands": {"a": (("lo", 0, 11),)},
      "default_banding": "b"}, "default_banding must be one of"),
    ({"name": "x", "range": (0, 10), "items": 2, "subscales": {"s": (1, 3)}}, "subscale"),
])
def test_user_defined_instruments_are_checked(kwargs, message):
    name = kwargs.pop("name")
    with pytest.raises(ValueError, match=message):
        Instrument(name, **kwargs)


# --- bands ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("instrument", "banding", "score", "expected"), [
    # PHQ-9, Kroenke, Spitzer & Williams 2001: 0-4, 5-9, 10-14, 15-19, 20-27
    ("phq9", None, 0, "none_minimal"), ("phq9", None, 4, "none_minimal"),
    ("phq9", None, 5, "mild"), ("phq9", None, 9, "mild"), ("phq9", None, 10, "moderate"),
    ("phq9", None, 14, "moderate"), ("phq9", None, 15, "moderately_severe"),
    ("phq9", None, 19, "moderately_severe"), ("phq9", None, 20, "severe"),
    ("phq9", None, 27, "severe"),
    # GAD-7, Spitzer et al. 2006: 0-4, 5-9, 10-14, 15-21
    ("gad7", None, 4, "minimal"), ("gad7", None, 5, "mild"), ("gad7", None, 10, "moderate"),
    ("gad7", None, 14, "moderate"), ("gad7", None, 15, "severe"), ("gad7", None, 21, "severe"),
    # HAM-D17 default: 0-7, 8-13, 14-18, 19-22, >= 23
    ("hamd17", None, 7, "normal"), ("hamd17", None, 8, "mild"), ("hamd17", None, 13, "mild"),
    ("hamd17", None, 14, "moderate"), ("hamd17", None, 18, "moderate"),
    ("hamd17", None, 19, "severe"), ("hamd17", None, 22, "severe"),
    ("hamd17", None, 23, "very_severe"), ("hamd17", None, 52, "very_severe"),
    # HAM-D17, Zimmerman et al. 2013: 0-7, 8-16, 17-23, >= 24
    ("hamd17", "zimmerman2013", 7, "no_depression"), ("hamd17", "zimmerman2013", 8, "mild"),
    ("hamd17", "zimmerman2013", 16, "mild"), ("hamd17", "zimmerman2013", 17, "moderate"),
    ("hamd17", "zimmerman2013", 23, "moderate"), ("hamd17", "zimmerman2013", 24, "severe"),
    # BDI-II: 0-13, 14-19, 20-28, 29-63
    ("bdi2", None, 13, "minimal"), ("bdi2", None, 14, "mild"), ("bdi2", None, 19, "mild"),
    ("bdi2", None, 20, "moderate"), ("bdi2", None, 28, "moderate"),
    ("bdi2", None, 29, "severe"), ("bdi2", None, 63, "severe"),
    # MSPSS, half-open: low < 3.0, moderate 3.0-5.0, high > 5.0
    ("mspss", None, 2.99, "low"), ("mspss", None, 3.0, "moderate"),
    ("mspss", None, 5.0, "moderate"), ("mspss", None, 5.01, "high"), ("mspss", None, 7, "high"),
    # RSES: < 15 low
    ("rses", None, 14, "low"), ("rses", None, 15, "normal"), ("rses", None, 30, "normal"),
])
def test_band_boundaries(instrument, banding, score, expected):
    assert band(score, instrument, banding) == expected


def test_band_errors_name_the_allowed_values():
    with pytest.raises(ValueError, match=r"score must be 0\.\.27 for PHQ-9, got 28"):
        band(28, "phq9")
    with pytest.raises(ValueError, match=r"default, zimmerman2013.*got 'beck'"):
        band(10, "hamd17", "beck")
    assert band(10, Instrument("plain", range=(0, 10))) is None


# --- reliable change --------------------------------------------------------------------------


def test_published_threshold_is_inclusive():
    # NHS Talking Therapies: PHQ-9 6 points, GAD-7 4 points
    assert reliable_change(15, 9, "phq9").reliable is True
    assert reliable_change(15, 10, "phq9").reliable is False
    assert reliable_change(9, 15, "phq9").direction == Direction.worsened
    assert reliable_change(10, 6, "gad7").reliable is True
    assert reliable_change(10, 7, "gad7").reliable is False
    result = reliable_change(15, 9, "phq9")
    assert (result.method, result.threshold, result.change, result.index) == (
        "threshold", 6.0, -6.0, None)


def test_jacobson_truax_by_hand():
    # SD = 5, r = 0.84: SE = 5 * sqrt(1 - 0.84) = 5 * 0.4 = 2.0
    # S_diff = sqrt(2) * 2.0 = 2.8284271; RC = (14 - 20) / 2.8284271 = -2.1213203
    result = reliable_change(20, 14, "phq9", sd=5, reliability=0.84)
    assert result.s_diff == pytest.approx(2.8284271)
    assert result.index == pytest.approx(-2.1213203)
    assert (result.method, result.reliable, result.direction) == (
        "jacobson_truax", True, Direction.improved)
    assert reliable_change_index(20, 14, 5, 0.84) == pytest.approx(-2.1213203)
    # SD = 7.5, r = 0.9: SE = 7.5 * sqrt(0.1) = 2.3717082; S_diff = 3.3541020
    # RC = (22 - 30) / 3.3541020 = -2.3851391
    assert reliable_change_index(30, 22, 7.5, 0.9) == pytest.approx(-2.3851391)


def test_jacobson_truax_critical_value_is_strict():
    # |RC| > 1.96 with S_diff = 2.8284271: 1.96 * 2.8284271 = 5.5437 points
    assert reliable_change(20, 14.5, "phq9", sd=5, reliability=0.84).reliable is False  # 1.94
    assert reliable_change(20, 14.4, "phq9", sd=5, reliability=0.84).reliable is True   # 1.98


def test_direction_respects_higher_is_better():
    # RSES: higher is better; with SD = 5, r = 0.84, a rise of 8 gives RC = 2.83
    assert reliable_change(10, 18, "rses", sd=5, reliability=0.84).direction == "improved"
    assert reliable_change(18, 10, "rses", sd=5, reliability=0.84).direction == "worsened"
    assert reliable_change(20, 25, WELLBEING).direction == "improved"
    assert reliable_change(20, 15, WELLBEING).direction == "worsened"
    assert reliable_change(20, 24, WELLBEING).direction == "none"


def test_reliable_change_needs_a_threshold_or_both_norms():
    with pytest.raises(ValueError, match="HAM-D17 has no published reliable-change"):
        reliable_change(20, 10, "hamd17")
    with pytest.raises(ValueError, match="give both sd and reliability"):
        reliable_change(20, 10, "phq9", sd=5)
    with pytest.raises(ValueError, match="reliability must be"):
        reliable_change(20, 10, "phq9", sd=5, reliability=1)
    with pytest.raises(ValueError, match="sd must be"):
        reliable_change(20, 10, "phq9", sd=0, reliability=0.8)
    with pytest.raises(ValueError, match=r"end score must be 0\.\.27"):
        reliable_change(20, 30, "phq9")


def test_clinical_cutoffs_by_hand():
    # a = 20 - 2*5 = 10; b = 5 + 2*4 = 13; c = (5*5 + 4*20) / 9 = 105 / 9
    assert clinical_cutoffs(20, 5, 5, 4) == pytest.approx({"a": 10, "b": 13, "c": 105 / 9})
    # higher is better mirrors a and b: a = 20 + 10 = 30, b = 35 - 8 = 27; c = (5*35+4*20)/9
    assert clinical_cutoffs(20, 5, 35, 4, higher_is_better=True) == pytest.approx(
        {"a": 30, "b": 27, "c": 255 / 9})


# --- outcome categories -----------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "expected"), [
    # PHQ-9: caseness >= 10, reliable change >= 6 points (NHS Talking Therapies)
    (15, 9, "recovered"),         # reliable exactly 6, end one below caseness
    (16, 10, "improved"),         # reliable exactly 6, end exactly at caseness
    (15, 10, "unchanged"),        # 5 points: one short of reliable
    (10, 4, "recovered"),         # start exactly at caseness
    (9, 3, "not_at_caseness"),    # start one below caseness, even with reliable improvement
    (9, 14, "not_at_caseness"),   # worsening of 5: not reliable
    (9, 15, "deteriorated"),      # reliable worsening is reported even below caseness
    (10, 16, "deteriorated"),     # reliable worsening exactly 6
    (10, 15, "unchanged"),        # worsening of 5
    (20, 14, "improved"),         # end 14 still at caseness
    (12, 12, "unchanged"),
])
def test_categories_phq9(start, end, expected):
    assert outcome_category(start, end, "phq9") == expected


@pytest.mark.parametrize(("start", "end", "expected"), [
    # GAD-7: caseness >= 8, reliable change >= 4
    (8, 4, "recovered"), (7, 3, "not_at_caseness"), (12, 8, "improved"), (12, 7, "recovered"),
    (11, 8, "unchanged"), (7, 11, "deteriorated"), (7, 10, "not_at_caseness"),
])
def test_categories_gad7(start, end, expected):
    assert outcome_category(start, end, "gad7") == expected


@pytest.mark.parametrize(("start", "end", "expected"), [
    # wellbeing, higher is better: at caseness at or below 20, reliable change >= 5
    (20, 25, "recovered"),        # start exactly at caseness, rise exactly 5
    (16, 21, "recovered"),        # end one above caseness
    (15, 20, "improved"),         # reliable, but end exactly at caseness
    (20, 24, "unchanged"),        # rise of 4: one short of reliable
    (21, 30, "not_at_caseness"),  # start one above caseness
    (21, 17, "not_at_caseness"),  # fall of 4: not reliable
    (21, 16, "deteriorated"),     # reliable fall from above caseness
    (20, 15, "deteriorated"),     # reliable fall exactly 5
    (20, 16, "unchanged"),        # fall of 4
])
def test_categories_higher_is_better(start, end, expected):
    assert outcome_category(start, end, WELLBEING) == expected
    assert outcome_category(start, end, "wellbeing", instruments=registry(WELLBEING)) == expected


def test_categories_without_caseness_use_jacobson_truax():
    # RSES has no caseness cut-off nor published threshold: S_diff = 2.8284271 (SD 5, r .84)
    assert outcome_category(10, 18, "rses", sd=5, reliability=0.84) == "improved"    # RC 2.83
    assert outcome_category(10, 15, "rses", sd=5, reliability=0.84) == "unchanged"   # RC 1.77
    assert outcome_category(18, 10, "rses", sd=5, reliability=0.84) == "deteriorated"
    # with norms, PHQ-9 uses Jacobson-Truax instead of its 6-point threshold
    # a fall of 5.6: RC = -1.98 is reliable, though short of the 6-point threshold
    assert outcome_category(15, 9.4, "phq9", sd=5, reliability=0.84) == "recovered"
    assert outcome_category(15, 9.4, "phq9") == "unchanged"
    with pytest.raises(ValueError):
        outcome_category(10, 18, "rses")


# --- response, remission, joint recovery ------------------------------------------------------


def test_response_is_half_the_room_to_improve():
    assert response(20, 10, "phq9") is True       # 50 % drop exactly
    assert response(20, 11, "phq9") is False      # 45 %
    assert response(0, 0, "phq9") is None         # no room to improve
    # higher is better: half the distance from 20 to the ceiling of 40
    assert response(20, 30, WELLBEING) is True
    assert response(20, 29, WELLBEING) is False
    assert response(40, 40, WELLBEING) is None


@pytest.mark.parametrize(("score", "instrument", "expected"), [
    (4, "phq9", True), (5, "phq9", False),         # PHQ-9 < 5
    (7, "hamd17", True), (8, "hamd17", False),     # HAM-D17 <= 7
    (7, "gad7", True), (8, "gad7", False),         # below caseness (8)
    (13, "bdi2", True), (14, "bdi2", False),       # below caseness (14)
    (5, "mspss", None), (20, "rses", None),        # no cut-off: undefined
    (21, WELLBEING, True), (20, WELLBEING, False),  # higher is better: above caseness
])
def test_remission(score, instrument, expected):
    assert remission(score, instrument) is expected


@pytest.mark.parametrize(("scores", "expected"), [
    ((10, 9, 0, 7), True),     # PHQ-9 at caseness at the start; both below at the end
    ((10, 9, 0, 8), False),    # GAD-7 at caseness (8) at the end
    ((10, 10, 0, 0), False),   # PHQ-9 still at caseness (10)
    ((9, 9, 8, 7), True),      # at caseness on GAD-7 only at the start
    ((9, 3, 7, 2), None),      # at caseness on neither: recovery does not apply
])
def test_joint_recovery(scores, expected):
    assert joint_recovery(*scores) is expected


def test_subscales():
    items = [7, 7, 4, 4, 7, 2, 2, 4, 2, 7, 4, 2]  # Zimet et al. 1988 item numbers
    assert subscale_scores(items, "mspss") == {
        "significant_other": 7.0, "family": 4.0, "friends": 2.0}
    with pytest.raises(ValueError, match="must have 12 values"):
        subscale_scores(items[:5], "mspss")


# --- one client -------------------------------------------------------------------------------


def build_measured_client() -> ig.Client:
    """Six sessions of measures. PHQ-9 items 9: 0, 1, (total only), 3; none at session 5.

    | session | phq9 | gad7 | other |
    | 1 | items, total 18, item 9 = 0 | 12 | hamd17 22, wellbeing 14, mspss items (mean 3.5) |
    | 2 | items, total 14, item 9 = 1 | 10 | |
    | 3 | total 12 only | - | |
    | 4 | items, total 8, item 9 = 3 | 6 | hamd17 7, wellbeing 26 |
    | 5 | - | 5 | sleep_hours 6.5 (unknown instrument) |
    """
    client = ig.Client("C-300")
    client.add_session(1, measures={
        "phq9": [2, 2, 2, 2, 2, 3, 2, 3, 0], "gad7": 12, "hamd17": 22, "wellbeing": 14,
        "mspss": [3, 4, 3, 4, 3, 4, 3, 4, 3, 4, 3, 4]})
    client.add_session(2, measures={"phq9": [2, 2, 2, 1, 2, 1, 1, 2, 1], "gad7": 10})
    client.add_session(3, measures={"phq9": 12})
    client.add_session(4, measures={"phq9": [1, 1, 1, 1, 1, 0, 0, 0, 3], "gad7": 6,
                                    "hamd17": 7, "wellbeing": 26})
    client.add_session(5, measures={"gad7": 5, "sleep_hours": 6.5})
    return client


@pytest.fixture
def measured() -> ig.Client:
    return build_measured_client()


def test_item9_flag_per_session(measured):
    flags = item9_flags(measured)
    assert list(flags.columns) == ["client_id", "session", "phq9_item9", "flag"]
    assert flags["session"].tolist() == [1, 2, 3, 4]
    assert flags["phq9_item9"].tolist() == [0, 1, pd.NA, 3]
    # a total without items is unknown, never "no risk"
    assert flags["flag"].tolist() == [False, True, pd.NA, True]
    assert str(flags["flag"].dtype) == "boolean"


def test_item9_flags_in_the_outcomes_table(measured):
    phq9 = client_outcomes(measured).set_index("instrument").loc["phq9"]
    assert bool(phq9["item9_flag_any"]) is True
    assert bool(phq9["item9_flag_end"]) is True
    totals_only = ig.Client("C-301")
    totals_only.add_session(1, measures={"phq9": 15})
    totals_only.add_session(2, measures={"phq9": 8})
    row = client_outcomes(totals_only).iloc[0]
    assert pd.isna(row["item9_flag_any"]) and pd.isna(row["item9_flag_end"])
    none_flagged = ig.Client("C-302")
    none_flagged.add_session(1, measures={"phq9": [1] * 8 + [0]})
    assert bool(client_outcomes(none_flagged).iloc[0]["item9_flag_any"]) is False


def test_client_outcomes(measured):
    table = client_outcomes(measured, instruments=registry(WELLBEING))
    assert list(table.columns) == list(OUTCOME_COLUMNS)
    assert table.dtypes.astype(str).to_dict() == OUTCOME_COLUMNS
    assert table["instrument"].tolist() == ["phq9", "gad7", "hamd17", "mspss",
                                            "wellbeing", "sleep_hours"]
    rows = table.set_index("instrument")
    phq9 = rows.loc["phq9"]
    # start = first session with PHQ-9 (1), end = the last one (4); scored from the items
    assert (phq9["start_session"], phq9["end_session"], phq9["n_sessions"]) == (1, 4, 4)
    assert (phq9["start_score"], phq9["end_score"], phq9["change"]) == (18.0, 8.0, -10.0)
    assert (phq9["rc_method"], bool(phq9["reliable_change"]), phq9["direction"]) == (
        "threshold", True, "improved")
    assert (bool(phq9["response"]), bool(phq9["remission"]), phq9["category"]) == (
        True, False, "recovered")
    assert (phq9["banding"], phq9["band_start"], phq9["band_end"]) == (
        "kroenke2001", "moderately_severe", "mild")
    gad7 = rows.loc["gad7"]
    assert (gad7["start_session"], gad7["end_session"], gad7["category"]) == (1, 5, "recovered")
    # joint recovery from the first and last sessions with both (1 and 4): PHQ-9 8 < 10,
    # GAD-7 6 < 8
    assert bool(phq9["joint_recovery"]) is True and bool(gad7["joint_recovery"]) is True
    hamd = rows.loc["hamd17"]
    # no published threshold: reliable change and category unknown without norms
    assert pd.isna(hamd["reliable_change"]) and pd.isna(hamd["category"])
    assert bool(hamd["remission"]) is True and bool(hamd["response"]) is True
    assert pd.isna(hamd["joint_recovery"])
    wellbeing = rows.loc["wellbeing"]
    assert (wellbeing["category"], wellbeing["band_start"], wellbeing["band_end"]) == (
        "recovered", "low", "ok")
    mspss = rows.loc["mspss"]  # one session: nothing to judge
    assert (mspss["n_sessions"], mspss["start_score"], mspss["change"]) == (1, 3.5, 0.0)
    assert pd.isna(mspss["category"]) and pd.isna(mspss["response"])
    assert mspss["band_end"] == "moderate"
    unknown = rows.loc["sleep_hours"]
    assert unknown["end_score"] == 6.5 and pd.isna(unknown["category"])
    assert pd.isna(unknown["banding"])


def test_client_outcomes_options(measured):
    table = client_outcomes(measured, norms={"hamd17": (5.0, 0.84)},
                            bandings={"hamd17": "zimmerman2013"}).set_index("instrument")
    hamd = table.loc["hamd17"]
    # RC = (7 - 22) / 2.8284271 = -5.30: reliable; start 22 >= caseness 8, end 7 < 8
    assert (hamd["rc_method"], hamd["category"]) == ("jacobson_truax", "recovered")
    assert (hamd["banding"], hamd["band_start"], hamd["band_end"]) == (
        "zimmerman2013", "moderate", "no_depression")
    assert "wellbeing" in table.index and pd.isna(table.loc["wellbeing", "category"])


def test_client_outcomes_of_a_client_without_measures(worked_example):
    table = worked_example.outcomes()
    assert table.empty and list(table.columns) == list(OUTCOME_COLUMNS)
    assert table.dtypes.astype(str).to_dict() == OUTCOME_COLUMNS


def test_client_methods_delegate(measured):
    pd.testing.assert_frame_equal(measured.outcomes(), client_outcomes(measured))
    pd.testing.assert_frame_equal(measured.measures_table(), measures_table(measured))


def test_measures_table(measured):
    table = measures_table(measured)
    assert list(table.columns) == ["client_id", "session", "instrument", "item", "value"]
    assert table.dtypes.astype(str).to_dict() == {
        "client_id": "string", "session": "int64", "instrument": "string", "item": "string",
        "value": "float64"}
    phq9_1 = table[(table["session"] == 1) & (table["instrument"] == "phq9")]
    assert phq9_1["item"].tolist() == ["total", *(str(n) for n in range(1, 10))]
    assert phq9_1["value"].tolist() == [18.0, 2, 2, 2, 2, 2, 3, 2, 3, 0]  # total = sum
    mspss = table[(table["instrument"] == "mspss") & (table["item"] == "total")]
    assert mspss["value"].tolist() == [3.5]  # scored as the mean of the items
    phq9_3 = table[(table["session"] == 3) & (table["instrument"] == "phq9")]
    assert phq9_3["item"].tolist() == ["total"]
    assert table[table["instrument"] == "sleep_hours"]["value"].tolist() == [6.5]
    assert not math.isnan(table["value"].sum())


def test_a_score_outside_a_user_instrument_names_the_session():
    client = ig.Client("C-303")
    client.add_session(1, measures={"wellbeing": 14})
    client.add_session(2, measures={"wellbeing": 50})
    with pytest.raises(ValueError, match=r"score at session 2 must be 0\.\.40 for Wellbeing"):
        client.outcomes(instruments=registry(WELLBEING))

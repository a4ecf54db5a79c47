"""The Part 4 duty return's assembly, reconciliation and headline on small frames, as the
sources' derive() leaves them."""

import numpy as np
import pandas as pd
import pytest

from flows.part4_duty import DECLARATION, Part4Settings
from statreturns import authorities
from statreturns.declaration import Context
from statreturns.periods import parse_period

TYPES = ["Refuge", "Specialist safe accommodation", "Dispersed accommodation",
         "Sanctuary scheme", "Second-stage / move-on", "Other designated accommodation",
         "Total"]
FIGURES = ["referrals_received", "referrals_accepted", "declined_capacity",
           "declined_unsuitable", "declined_other", "households_supported", "women", "men",
           "trans", "children", "individuals", "disabled", "lgbt", "minority_ethnic",
           "no_recourse_to_public_funds", "households_stopped", "stopped_planned",
           "stopped_unplanned", "stopped_other"]
MONITORING = [  # provider, quarter, type, file, then FIGURES in order
    ("alpha", "2025-Q1", "Refuge", "alpha-2025-Q1.csv",
     10, 6, 2, 1, 0, 5, 4, 0, 1, 6, 11, 2, 1, 3, 0, 3, 2, 1, 0),
    ("alpha", "2025-Q1", "Sanctuary scheme", "alpha-2025-Q1.csv",
     3, 2, 0, 1, 0, 2, 2, 0, 0, 1, 3, 0, None, 1, 1, 1, 1, 0, 0),
    ("alpha", "2025-Q2", "Refuge", "alpha-2025-Q2.csv",
     12, 8, 3, 0, 1, 7, 6, 0, 1, 9, 16, 3, 0, 5, 1, 4, 2, 1, 1),
    ("beta", "2025-Q1", "Dispersed accommodation", "beta-2025-Q1.csv",
     20, 9, 5, 2, 1, 8, 6, 2, 0, 10, 18, 4, 2, 9, 2, 5, 3, 2, 0),
    ("beta", "2025-Q2", "Dispersed accommodation", "beta-2025-Q2.csv",
     18, 10, 4, 2, 0, 10, 9, 1, 0, 11, 21, 5, 1, 10, 0, 6, 4, 1, 1),
    ("beta", "2025-Q3", "Dispersed accommodation", "beta-2025-Q3.csv",
     30, 22, 3, 2, 1, 20, 17, 2, 1, 25, 45, 10, 3, 20, 4, 12, 8, 3, 1),
]


@pytest.fixture(scope="module")
def ctx() -> Context:
    config = Part4Settings(change_ratio=2.0, providers=[
        {"id": "alpha", "name": "Alpha Refuges", "accommodation": ["refuge", "sanctuary-scheme"]},
        {"id": "beta", "name": "Beta Housing", "accommodation": ["dispersed"]}])
    return Context("test", parse_period("2025/26"), config)


def monitoring() -> pd.DataFrame:
    frame = pd.DataFrame(MONITORING, columns=["provider", "quarter", "accommodation_type",
                                              "_file", *FIGURES])
    return frame.astype({c: "Int64" for c in FIGURES} | {"_file": "category"})


def hub(months: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"month": months, "calls": [2000 + i for i in range(len(months))],
                         "webchats": 25, "drop_ins": 50}).astype(
        {"calls": "Int64", "webchats": "Int64", "drop_ins": "Int64"})


@pytest.fixture(scope="module")
def tables(ctx) -> dict[str, pd.DataFrame]:
    return DECLARATION.assemble({"provider-monitoring": monitoring(),
                                 "hub-contacts": hub(ctx.period.months)}, ctx)


def by_type(columns: list[str], *rows: list[int]) -> pd.DataFrame:
    """A table of accommodation types (every type, then Total) by `columns`."""
    return pd.DataFrame([[t, *r] for t, r in zip(TYPES, rows, strict=True)],
                        columns=["Accommodation type", *columns]).astype(
        {c: "int64" for c in columns})


def test_households_and_referrals_by_type_have_a_total_row_but_no_total_column(tables):
    expected = by_type(["Households supported", "Referrals received", "Referrals accepted"],
                       [12, 22, 14], [0, 0, 0], [38, 68, 41], [2, 3, 2], [0, 0, 0], [0, 0, 0],
                       [52, 93, 57])
    pd.testing.assert_frame_equal(tables["households_by_type"], expected)


def test_referrals_declined_by_reason(tables):
    expected = by_type(["No capacity", "Unsuitable", "Other reason", "Total"],
                       [5, 1, 1, 7], [0, 0, 0, 0], [12, 6, 2, 20], [0, 1, 0, 1], [0, 0, 0, 0],
                       [0, 0, 0, 0], [17, 8, 3, 28])
    pd.testing.assert_frame_equal(tables["declined"], expected)


def test_people_supported(tables):
    expected = by_type(["Women", "Men", "Trans", "Children", "Total"],
                       [10, 0, 2, 15, 27], [0, 0, 0, 0, 0], [32, 5, 1, 46, 84],
                       [2, 0, 0, 1, 3], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [44, 5, 3, 62, 114])
    pd.testing.assert_frame_equal(tables["individuals"], expected)


def test_characteristics_are_totalled_down_but_never_across(tables):
    expected = by_type(["Disabled", "LGBT+", "Minority ethnic", "No recourse to public funds"],
                       [5, 1, 8, 1], [0, 0, 0, 0], [19, 6, 39, 6], [0, 0, 1, 1], [0, 0, 0, 0],
                       [0, 0, 0, 0], [24, 7, 48, 8])
    pd.testing.assert_frame_equal(tables["characteristics"], expected)


def test_support_stopped_by_reason(tables):
    expected = by_type(["Planned", "Unplanned", "Other reason", "Total"],
                       [4, 2, 1, 7], [0, 0, 0, 0], [15, 6, 2, 23], [1, 0, 0, 1], [0, 0, 0, 0],
                       [0, 0, 0, 0], [20, 8, 3, 31])
    pd.testing.assert_frame_equal(tables["stopped"], expected)


def test_households_by_provider_and_quarter_leave_a_quarter_not_reported_blank(tables):
    expected = pd.DataFrame({
        "Provider": ["Alpha Refuges", "Beta Housing", "Total"],
        "2025-Q1": [7, 8, 15], "2025-Q2": [7, 10, 17], "2025-Q3": [None, 20, 20],
        "2025-Q4": [None, None, None], "Total": [14, 38, 52],
    }).astype({q: "Int64" for q in ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "Total"]})
    pd.testing.assert_frame_equal(tables["providers_by_quarter"], expected)


def test_the_hub_by_month_with_a_total(tables):
    hub = tables["hub_contacts"]
    assert hub.columns.tolist() == ["Month", "Calls", "Webchats", "Drop-ins"]
    assert hub["Month"].tolist() == [
        "April 2025", "May 2025", "June 2025", "July 2025", "August 2025", "September 2025",
        "October 2025", "November 2025", "December 2025", "January 2026", "February 2026",
        "March 2026", "Total"]
    assert hub.iloc[-1].tolist() == ["Total", 24_066, 300, 600]
    assert hub.iloc[0].tolist() == ["April 2025", 2000, 25, 50]


def test_every_provider_and_quarter_is_accounted_for_by_files_and_rows(tables, ctx):
    frames = DECLARATION.reconcile(tables, ctx)
    expected = pd.DataFrame({
        "provider_quarter": [f"{p} 2025-Q{q}" for p in ("Alpha Refuges", "Beta Housing")
                             for q in range(1, 5)],
        "files": [1, 1, 0, 0, 1, 1, 1, 0], "rows": [2, 1, 0, 0, 1, 1, 1, 0]})
    pd.testing.assert_frame_equal(frames["provider-quarters"], expected)


def test_each_quarter_is_compared_with_the_one_before(tables, ctx):
    change = DECLARATION.reconcile(tables, ctx)["quarterly-change"]
    assert change.columns.tolist() == ["provider_quarters", "households_before",
                                       "households_after", "change", "allowed_change"]
    assert change["provider_quarters"].tolist() == [
        "Alpha Refuges 2025-Q1 to 2025-Q2", "Alpha Refuges 2025-Q2 to 2025-Q3",
        "Alpha Refuges 2025-Q3 to 2025-Q4", "Beta Housing 2025-Q1 to 2025-Q2",
        "Beta Housing 2025-Q2 to 2025-Q3", "Beta Housing 2025-Q3 to 2025-Q4"]
    assert change["households_before"].tolist() == [7, 7, pd.NA, 8, 10, 20]
    assert change["households_after"].tolist() == [7, pd.NA, pd.NA, 10, 20, pd.NA]
    np.testing.assert_array_equal(change["change"], [1.0, np.nan, np.nan, 1.25, 2.0, np.nan])
    assert set(change["allowed_change"]) == {2.0}


def test_every_month_of_the_hub_is_accounted_for(ctx):
    months = [m for m in ctx.period.months if m != "2025-09"]
    tables = DECLARATION.assemble({"provider-monitoring": monitoring(),
                                   "hub-contacts": hub(months)}, ctx)
    frame = DECLARATION.reconcile(tables, ctx)["hub-months"]
    assert frame.columns.tolist() == ["month", "reported"]
    assert dict(zip(frame["month"], frame["reported"], strict=True)) == {
        label: int(label != "September 2025") for label in tables["hub_contacts"]["Month"][:-1]}
    assert tables["hub_contacts"].set_index("Month").loc["September 2025"].isna().all()


def test_the_headline(tables, ctx):
    assert DECLARATION.headline(tables, ctx) == [
        ("Households supported", "52"), ("People supported", "114"),
        ("  of whom children", "62"), ("Referrals received", "93"), ("  accepted", "57"),
        ("Domestic Abuse Hub calls", "24,066"), ("  webchats", "300"), ("  drop-ins", "600")]


def test_the_working_frame_is_not_rendered(tables):
    declared = {t.name for t in DECLARATION.tables}
    assert set(tables) - declared == {"_provider_returns"}


# --- the authority's settings ----------------------------------------------------------------

PROVIDER = {"id": "alpha", "name": "Alpha Refuges", "accommodation": ["refuge"]}


@pytest.mark.parametrize(("settings", "words"), [
    ({"providers": [{**PROVIDER, "accommodation": ["hostel"]}]}, "unknown accommodation hostel"),
    ({"providers": [PROVIDER, {**PROVIDER, "id": "alpha-2"}]}, "must all differ"),
    ({"providers": [PROVIDER], "change_ratio": 1}, "greater than 1"),
    ({"providers": []}, "at least 1"),
])
def test_settings_that_cannot_be_used_are_refused(settings, words):
    with pytest.raises(ValueError, match=words):
        Part4Settings.model_validate(settings)


def test_the_demo_settings_are_read():
    config = authorities.load_config(DECLARATION, "demo")
    assert config.change_ratio == 2.0
    assert list(config.names) == ["safe-haven", "city-womens-aid", "sahara", "rainbow-homes",
                                  "next-step", "harbour"]

"""The Part 4 duty return's assembly, reconciliation and headline on small frames, as the
sources' derive() leaves them."""

import numpy as np
import pandas as pd
import pytest

from flows.part4_duty import (
    CHARACTERISTICS,
    DECLARATION,
    DECLINED,
    FIGURES,
    HOUSEHOLDS,
    MOVED_TO,
    NOT_KNOWN,
    PEOPLE,
    REFERRALS,
    STOPPED,
    Part4Settings,
    households_in_year,
)
from statreturns import authorities
from statreturns.declaration import Context
from statreturns.periods import parse_period

TYPES = ["Refuge", "Specialist safe accommodation", "Dispersed accommodation",
         "Sanctuary scheme", "Second-stage / move-on", "Other designated accommodation",
         "Total"]
MONITORING = [  # provider, quarter, type, file, bedspaces, (received, accepted), declined,
    # (households supported, continuing from last year, new), (women, men, trans, sex not
    # known, children), characteristics, not known, reasons support ended, moved on to
    ("alpha", "2025-Q1", "Refuge", "alpha-2025-Q1.csv", 6, (10, 6), (2, 1, 0), (9, 4, 5),
     (8, 0, 0, 1, 11), (2, 1, 6, 0), (1, 2, 0, 0), (1, 0, 1, 0, 1, 0, 0),
     (0, 1, 0, 1, 0, 1, 0, 0)),
    ("alpha", "2025-Q1", "Sanctuary scheme", "alpha-2025-Q1.csv", 4, (3, 1), (0, 1, 0),
     (2, 1, 1), (2, 0, 0, 0, 3), (0, None, 1, 0), (0, None, 0, 1), (2, 0, 0, 0, 0, 0, 0),
     (2, 0, 0, 0, 0, 0, 0, 0)),
    ("alpha", "2025-Q2", "Refuge", "alpha-2025-Q2.csv", 6, (12, 4), (3, 0, 1), (9, None, 3),
     (3, 0, 0, 0, 4), (1, 0, 2, 1), (0, 0, 1, 0), (2, 1, 0, 0, 0, 0, 1),
     (0, 2, 1, 0, 0, 0, 0, 1)),
    ("beta", "2025-Q1", "Dispersed accommodation", "beta-2025-Q1.csv", 8, (20, 6), (5, 2, 1),
     (8, 3, 5), (6, 1, 1, 0, 9), (3, 1, 7, 2), (0, 1, 2, 0), (1, 0, 0, 1, 0, 0, 0),
     (0, 0, 1, 0, 1, 0, 0, 0)),
    ("beta", "2025-Q2", "Dispersed accommodation", "beta-2025-Q2.csv", 8, (18, 5), (4, 2, 0),
     (10, None, 4), (3, 1, 0, 0, 5), (1, 0, 3, 0), (1, 0, 0, 0), (2, 1, 1, 0, 0, 1, 0),
     (0, 2, 1, 1, 0, 0, 0, 1)),
    ("beta", "2025-Q3", "Dispersed accommodation", "beta-2025-Q3.csv", 10, (30, 7), (3, 2, 1),
     (11, None, 6), (4, 1, 0, 1, 7), (2, 1, 5, 1), (0, 0, 1, 1), (2, 0, 1, 0, 1, 0, 0),
     (0, 1, 0, 0, 1, 1, 1, 0)),
]
"""Households cross the quarters' ends: Alpha's refuge carries 6 of its 9 households into
Q2 and takes on 3 more; Beta's dispersed homes carry 6, then 5. The year's households are
the continuing and the new (12 in refuge, 2 in the sanctuary scheme, 18 dispersed: 32),
not the 49 of the quarters added together."""


@pytest.fixture(scope="module")
def ctx() -> Context:
    config = Part4Settings(change_ratio=2.0, providers=[
        {"id": "alpha", "name": "Alpha Refuges", "accommodation": ["refuge", "sanctuary-scheme"]},
        {"id": "beta", "name": "Beta Housing", "accommodation": ["dispersed"]}])
    return Context("test", parse_period("2025/26"), config)


def monitoring() -> pd.DataFrame:
    """The rows of MONITORING with every figure in its column; individuals and households
    whose support ended are the sums of their parts."""
    rows = []
    for (provider, quarter, type_, file, bedspaces, referrals, declined, households, people,
         characteristics, not_known, reasons, moved) in MONITORING:
        rows.append({"provider": provider, "quarter": quarter, "accommodation_type": type_,
                     "_file": file, "bedspaces": bedspaces,
                     **dict(zip(REFERRALS, referrals, strict=True)),
                     **dict(zip(DECLINED, declined, strict=True)),
                     **dict(zip(HOUSEHOLDS, households, strict=True)),
                     **dict(zip(PEOPLE, people, strict=True)), "individuals": sum(people),
                     **dict(zip(CHARACTERISTICS, characteristics, strict=True)),
                     **dict(zip(NOT_KNOWN, not_known, strict=True)),
                     "households_stopped": sum(reasons),
                     **dict(zip(STOPPED, reasons, strict=True)),
                     **dict(zip(MOVED_TO, moved, strict=True))})
    return pd.DataFrame(rows).astype({c: "Int64" for c in FIGURES} | {"_file": "category"})


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


def test_each_household_is_counted_once_in_the_year_however_many_quarters_it_is_in(ctx):
    rows = monitoring()
    assert rows["households_supported"].sum() == 49  # the quarters' caseloads added up
    assert households_in_year(rows, ctx.period).tolist() == [9, 2, 3, 8, 4, 6]
    assert households_in_year(rows, ctx.period).sum() == 32


def test_households_continuing_count_only_in_the_first_quarter(ctx):
    rows = monitoring()
    rows.loc[2, "households_continuing"] = 6  # Alpha's refuge writes its carried households
    assert households_in_year(rows, ctx.period).tolist() == [9, 2, 3, 8, 4, 6]


def test_households_and_referrals_by_type_have_a_total_row_but_no_total_column(tables):
    expected = by_type(["Households supported", "Referrals received", "Referrals accepted"],
                       [12, 22, 10], [0, 0, 0], [18, 68, 18], [2, 3, 1], [0, 0, 0], [0, 0, 0],
                       [32, 93, 29])
    pd.testing.assert_frame_equal(tables["households_by_type"], expected)


def test_referrals_declined_by_reason(tables):
    expected = by_type(["No capacity", "Unsuitable", "Other reason", "Total"],
                       [5, 1, 1, 7], [0, 0, 0, 0], [12, 6, 2, 20], [0, 1, 0, 1], [0, 0, 0, 0],
                       [0, 0, 0, 0], [17, 8, 3, 28])
    pd.testing.assert_frame_equal(tables["declined"], expected)


def test_people_supported_each_once_with_those_whose_sex_is_not_known(tables):
    expected = by_type(["Women", "Men", "Trans", "Sex not known", "Children", "Total"],
                       [11, 0, 0, 1, 15, 27], [0, 0, 0, 0, 0, 0], [13, 3, 1, 1, 21, 39],
                       [2, 0, 0, 0, 3, 5], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0],
                       [26, 3, 1, 2, 39, 71])
    pd.testing.assert_frame_equal(tables["individuals"], expected)


def test_characteristics_are_totalled_down_but_never_across(tables):
    expected = by_type(["Disabled", "LGBT+", "Minority ethnic", "No recourse to public funds"],
                       [3, 1, 8, 1], [0, 0, 0, 0], [6, 2, 15, 3], [0, 0, 1, 0], [0, 0, 0, 0],
                       [0, 0, 0, 0], [9, 3, 24, 4])
    pd.testing.assert_frame_equal(tables["characteristics"], expected)


def test_characteristics_not_known_beside_them_and_a_blank_is_not_counted(tables):
    expected = by_type(["Disabled: not known", "LGBT+: not known", "Minority ethnic: not known",
                        "No recourse to public funds: not known"],
                       [1, 2, 1, 0], [0, 0, 0, 0], [1, 1, 3, 1], [0, 0, 0, 1], [0, 0, 0, 0],
                       [0, 0, 0, 0], [2, 3, 4, 2])
    pd.testing.assert_frame_equal(tables["not_known"], expected)


def test_support_ended_by_the_departments_reasons(tables):
    expected = by_type(["No longer needed", "Referred elsewhere", "Chose to leave",
                        "Asked to leave", "Lost contact", "Other reason", "Reason not known",
                        "Total"],
                       [3, 1, 1, 0, 1, 0, 1, 7], [0] * 8, [5, 1, 2, 1, 1, 1, 0, 11],
                       [2, 0, 0, 0, 0, 0, 0, 2], [0] * 8, [0] * 8, [10, 2, 3, 1, 2, 1, 1, 20])
    pd.testing.assert_frame_equal(tables["stopped"], expected)


def test_where_households_moved_on_to(tables):
    expected = by_type(["Own home", "Social housing", "Private rented housing",
                        "Other safe accommodation", "Temporary accommodation",
                        "Family or friends", "Other destination", "Destination not known",
                        "Total"],
                       [0, 3, 1, 1, 0, 1, 0, 1, 7], [0] * 9, [0, 3, 2, 1, 2, 1, 1, 1, 11],
                       [2, 0, 0, 0, 0, 0, 0, 0, 2], [0] * 9, [0] * 9,
                       [2, 6, 3, 2, 2, 2, 1, 2, 20])
    pd.testing.assert_frame_equal(tables["moved_on"], expected)


def test_bedspaces_by_type_at_each_quarters_end_are_never_added_across(tables):
    expected = by_type(["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"], [6, 6, 0, 0],
                       [0, 0, 0, 0], [8, 8, 10, 0], [4, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0],
                       [18, 14, 10, 0])
    pd.testing.assert_frame_equal(tables["bedspaces"], expected)


def test_households_by_provider_and_quarter_and_once_in_the_year(tables):
    expected = pd.DataFrame({
        "Provider": ["Alpha Refuges", "Beta Housing", "Total"],
        "2025-Q1": [11, 8, 19], "2025-Q2": [9, 10, 19], "2025-Q3": [None, 11, 11],
        "2025-Q4": [None, None, None], "In the year": [14, 18, 32],
    }).astype({q: "Int64" for q in ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4",
                                    "In the year"]})
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


def test_each_providers_caseload_follows_from_the_quarter_before(tables, ctx):
    """Carried into Q1: those continuing; into a later quarter: the quarter before's
    households less those whose support ended. A quarter without a return is blank, and so
    is what the next would carry."""
    caseload = DECLARATION.reconcile(tables, ctx)["provider-caseload"]
    expected = pd.DataFrame({
        "provider_quarter": [f"{p} 2025-Q{q}" for p in ("Alpha Refuges", "Beta Housing")
                             for q in range(1, 5)],
        "households_carried": [5, 6, 5, None, 3, 6, 5, 7],
        "households_new": [6, 3, None, None, 5, 4, 6, None],
        "households_expected": [11, 9, None, None, 8, 10, 11, None],
        "households_supported": [11, 9, None, None, 8, 10, 11, None],
    }).astype({c: "Int64" for c in ["households_carried", "households_new",
                                    "households_expected", "households_supported"]})
    pd.testing.assert_frame_equal(caseload, expected)


def test_each_quarter_is_compared_with_the_one_before(tables, ctx):
    change = DECLARATION.reconcile(tables, ctx)["quarterly-change"]
    assert change.columns.tolist() == ["provider_quarters", "households_before",
                                       "households_after", "change", "allowed_change"]
    assert change["provider_quarters"].tolist() == [
        "Alpha Refuges 2025-Q1 to 2025-Q2", "Alpha Refuges 2025-Q2 to 2025-Q3",
        "Alpha Refuges 2025-Q3 to 2025-Q4", "Beta Housing 2025-Q1 to 2025-Q2",
        "Beta Housing 2025-Q2 to 2025-Q3", "Beta Housing 2025-Q3 to 2025-Q4"]
    assert change["households_before"].tolist() == [11, 9, pd.NA, 8, 10, 11]
    assert change["households_after"].tolist() == [9, pd.NA, pd.NA, 10, 11, pd.NA]
    np.testing.assert_array_equal(change["change"], [1.22, np.nan, np.nan, 1.25, 1.1, np.nan])
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
        ("Households supported", "32"), ("People supported", "71"),
        ("  of whom children", "39"), ("Referrals received", "93"), ("  accepted", "29"),
        ("Bedspaces at the end of the year", "0"), ("Domestic Abuse Hub calls", "24,066"),
        ("  webchats", "300"), ("  drop-ins", "600")]


def test_the_working_frame_is_not_rendered(tables):
    declared = {t.name for t in DECLARATION.tables}
    assert set(tables) - declared == {"_provider_returns", "_caseload"}


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

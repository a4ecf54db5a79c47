"""The savings tracker's demo data: the published shape, the same every time, the cases
real trackers hold planted, and only queries raised."""

import pandas as pd
import pytest
from test_savings_tracker_rules import gather

from flows.demo_data.savings_tracker import generate
from flows.savings_tracker import DECLARATION
from statreturns import authorities
from statreturns.declaration import Context
from statreturns.periods import parse_period

PUBLISHED = {"delivered or on track": 79.7, "at risk": 6.0, "delayed": 4.4,
             "undeliverable": 9.9}
FILES = ["adults", "children", "economy", "place", "transformation", "cross-cutting"]
PLANTED_QUERIES = {"SAV-009": "query", "SAV-021": "query", "SAV-R03": "query"}
"""A reversal (a negative target), a saving moved between directorates' files, and a
forecast above its target: each for a person to look at; none blocks."""


@pytest.fixture(scope="module")
def october() -> Context:
    return Context("demo", parse_period("2026-10"), authorities.load_config(DECLARATION, "demo"))


@pytest.fixture(scope="module")
def demo(october) -> dict[str, pd.DataFrame]:
    return generate(october.period, october.config)


def submissions(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat([f.assign(file=name.split("/")[1]) for name, f in frames.items()
                      if name.startswith("status-")], ignore_index=True)


def this_month(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    now = submissions(frames).query("month == '2026-10'")
    return now.merge(frames["savings-register"][["reference", "target_gbp_k"]], on="reference")


def checked(folder, ctx: Context, frames: dict[str, pd.DataFrame]) -> tuple[dict, dict]:
    """The failed rules' severities by code, and the tables."""
    checks, tables = gather(folder, ctx, frames["savings-register"].to_dict("records"),
                            {n.split("/")[1]: f.to_dict("records") for n, f in frames.items()
                             if "/" in n})
    return {c.code: c.severity for c in checks if not c.success}, tables


def test_the_same_arguments_give_the_same_data(demo, october):
    again = generate(october.period, october.config)
    assert list(again) == list(demo)
    for name in demo:
        pd.testing.assert_frame_equal(again[name], demo[name])


def test_sixty_savings_adding_up_to_the_published_total(demo):
    register = demo["savings-register"]
    assert list(demo) == ["savings-register", *(f"status-submissions/{f}" for f in FILES)]
    assert len(register) == 60 and register["reference"].is_unique
    assert register["target_gbp_k"].sum() == 70_895
    assert set(register["directorate"]) == {
        "Adults", "Children", "Economy", "Place", "Transformation", "Cross-cutting"}
    assert register["financial_year"].value_counts().to_dict() == {"2026/27": 59,
                                                                   "2025/26": 1}


def test_every_saving_has_a_status_each_month_of_the_year_so_far(demo):
    rows = submissions(demo)
    months = [f"2026-{m:02d}" for m in range(4, 11)]
    assert sorted(rows["month"].unique()) == months
    assert len(rows) == 60 * 7
    assert not rows.duplicated(["reference", "month"]).any()
    for name in FILES:
        assert demo[f"status-submissions/{name}"]["directorate"].nunique() == 1


def test_the_status_mix_is_near_the_published_one_and_most_are_delivered_by_month_7(demo):
    now = this_month(demo)
    words = now["status"].str.lower().replace({"delivered": "delivered or on track",
                                               "on track": "delivered or on track"})
    share = now.groupby(words)["target_gbp_k"].sum() / 70_895 * 100
    for status, published in PUBLISHED.items():
        assert abs(share[status] - published) < 1.5, status
    assert now["status"].str.lower().value_counts().to_dict() == {
        "delivered": 36, "on track": 10, "at risk": 7, "undeliverable": 4, "delayed": 3}


def test_mitigations_are_mostly_one_off_written_in_any_case(demo):
    now = this_month(demo)
    risky = now[now["status"].str.lower().isin(["at risk", "delayed", "undeliverable"])]
    assert risky["mitigation_type"].str.lower().value_counts().to_dict() == {
        "one-off": 10, "recurring": 4}
    assert {"One-Off", "ONE-OFF", "one-off"} <= set(now["mitigation_type"])


def _saving(frames: dict[str, pd.DataFrame], reference: str) -> pd.DataFrame:
    rows = submissions(frames)
    return rows[rows["reference"] == reference].set_index("month")


def test_the_planted_cases(demo):
    register = demo["savings-register"].set_index("reference")
    # delivered in part: at 60% of its target since September, the rest replaced for good
    partly = _saving(demo, "ADU-003")
    assert register.at["ADU-003", "target_gbp_k"] == 1689
    assert partly["status"].tolist() == ["At risk"] * 5 + ["Delivered"] * 2
    assert partly.loc["2026-10", ["forecast_gbp_k", "delivered_gbp_k"]].tolist() == [
        1013, 1013]
    assert set(partly["mitigation_type"]) == {"recurring"}
    # carried forward from last year
    assert register.at["CHI-003", "financial_year"] == "2025/26"
    # over-delivered: forecast above its target
    over = _saving(demo, "ECO-002")
    assert (register.at["ECO-002", "target_gbp_k"], over.at["2026-10", "forecast_gbp_k"]) == (
        1307, 1503)
    # reversed: a negative target, delivered pro rata
    assert register.loc["PLA-012", ["target_gbp_k", "description"]].tolist() == [
        -150, "Reversal of the 2025/26 saving: garden waste charge increase (phase 2)"]
    assert _saving(demo, "PLA-012")["delivered_gbp_k"].tolist() == [
        -12, -25, -38, -50, -62, -75, -88]
    # moved from Economy to Place in August: the register names Place
    moved = _saving(demo, "ECO-008")
    assert register.at["ECO-008", "directorate"] == "Place"
    assert moved["file"].tolist() == ["economy"] * 4 + ["place"] * 3
    assert moved["directorate"].tolist() == ["Economy"] * 4 + ["Place"] * 3


def test_the_clean_demo_raises_only_the_planted_cases_queries(demo, october, tmp_path):
    failed, tables = checked(tmp_path, october, demo)
    assert failed == PLANTED_QUERIES
    assert tables["by_directorate"]["Total"].iloc[-1] == 70_895
    assert len(tables["movements"]) >= 2
    assert tables["special_cases"][["Reference", "Note"]].values.tolist() == [
        ["CHI-003", "Carried forward from 2025/26"], ["ECO-002", "Over-delivery"],
        ["ECO-008", "Moved: reported by Economy, then Place"],
        ["PLA-012", "Reversal of an earlier saving"]]


def test_the_problems_are_blanks_that_raise_only_queries(demo, october, tmp_path):
    planted = generate(october.period, october.config, problems=True)
    diffs = {}
    for name in demo:
        differ = demo[name].ne(planted[name])
        diffs |= {(name, planted[name].at[i, "reference"], c): planted[name].at[i, c]
                  for i, c in differ.stack()[lambda s: s].index}
    assert sorted(diffs) == [("status-submissions/adults", "ADU-009", "commentary"),
                             ("status-submissions/adults", "ADU-012", "mitigation"),
                             ("status-submissions/adults", "ADU-012", "mitigation_type")]
    assert set(diffs.values()) == {""}
    failed, _ = checked(tmp_path, october, planted)
    assert failed == PLANTED_QUERIES | {"SAV-022": "query", "SAV-023": "query"}


@pytest.mark.parametrize("period", ["2026-04", "2027-03", "2022-11"])
def test_other_months_have_the_year_so_far_and_raise_only_queries(period, tmp_path):
    ctx = Context("demo", parse_period(period), authorities.load_config(DECLARATION, "demo"))
    planted = generate(ctx.period, ctx.config, problems=True)
    months = submissions(planted)["month"].unique()
    first = parse_period(ctx.period.financial_year).months[0]
    assert (months.min(), months.max()) == (first, period)
    failed, _ = checked(tmp_path, ctx, planted)
    assert set(failed.values()) == {"query"}
    assert {"SAV-009", "SAV-023", "SAV-R03"} <= set(failed)

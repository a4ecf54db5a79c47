"""The savings tracker's demo data: the published shape, the same every time, and only the
planted problems raised."""

import pandas as pd
import pytest
from test_savings_tracker_rules import gather

from flows.demo_data.savings_tracker import generate
from flows.savings_tracker import DECLARATION
from statreturns import authorities
from statreturns.declaration import Context
from statreturns.periods import parse_period

PUBLISHED = {"on track": 79.7, "at risk": 6.0, "delayed": 4.4, "undeliverable": 9.9}
FILES = ["adults", "children", "economy", "place", "transformation", "cross-cutting"]


@pytest.fixture(scope="module")
def october() -> Context:
    return Context("demo", parse_period("2026-10"), authorities.load_config(DECLARATION, "demo"))


@pytest.fixture(scope="module")
def demo(october) -> dict[str, pd.DataFrame]:
    return generate(october.period, october.config)


def submissions(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat([f for name, f in frames.items() if name.startswith("status-")],
                     ignore_index=True)


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
    assert set(register["financial_year"]) == {"2026/27"}


def test_every_saving_has_a_status_each_month_of_the_year_so_far(demo):
    rows = submissions(demo)
    months = [f"2026-{m:02d}" for m in range(4, 11)]
    assert sorted(rows["month"].unique()) == months
    assert len(rows) == 60 * 7
    assert not rows.duplicated(["reference", "month"]).any()
    for name in FILES:
        assert demo[f"status-submissions/{name}"]["directorate"].nunique() == 1


def test_the_status_mix_is_near_the_published_one(demo):
    now = submissions(demo).query("month == '2026-10'").merge(
        demo["savings-register"][["reference", "target_gbp_k"]], on="reference")
    share = now.groupby(now["status"].str.lower())["target_gbp_k"].sum() / 70_895 * 100
    for words, published in PUBLISHED.items():
        assert abs(share[words] - published) < 1.5, words


def test_the_clean_demo_passes_every_rule(demo, october, tmp_path):
    checks, tables = gather(tmp_path, october, demo["savings-register"].to_dict("records"),
                            {n.split("/")[1]: f.to_dict("records") for n, f in demo.items()
                             if "/" in n})
    assert [c.code for c in checks if not c.success] == []
    assert tables["by_directorate"]["Total"].iloc[-1] == 70_895
    assert len(tables["movements"]) >= 2


def test_the_problems_are_two_blanks_that_raise_only_queries(demo, october, tmp_path):
    planted = generate(october.period, october.config, problems=True)
    diffs = {}
    for name in demo:
        differ = demo[name].ne(planted[name])
        diffs |= {(name, planted[name].at[i, "reference"], c): planted[name].at[i, c]
                  for i, c in differ.stack()[lambda s: s].index}
    assert sorted(diffs) == [("status-submissions/adults", "ADU-009", "commentary"),
                             ("status-submissions/adults", "ADU-012", "mitigation")]
    assert set(diffs.values()) == {""}
    checks, _ = gather(tmp_path, october, planted["savings-register"].to_dict("records"),
                       {n.split("/")[1]: f.to_dict("records") for n, f in planted.items()
                        if "/" in n})
    assert {c.code: c.severity for c in checks if not c.success} == {
        "SAV-022": "query", "SAV-023": "query"}


@pytest.mark.parametrize("period", ["2026-04", "2027-03"])
def test_other_months_have_the_year_so_far_and_raise_only_queries(period, tmp_path):
    ctx = Context("demo", parse_period(period), authorities.load_config(DECLARATION, "demo"))
    planted = generate(ctx.period, ctx.config, problems=True)
    months = submissions(planted)["month"].unique()
    assert (months.min(), months.max()) == ("2026-04", period)
    checks, _ = gather(tmp_path, ctx, planted["savings-register"].to_dict("records"),
                       {n.split("/")[1]: f.to_dict("records") for n, f in planted.items()
                        if "/" in n})
    failed = {c.code: c.severity for c in checks if not c.success}
    assert set(failed.values()) == {"query"}
    assert "SAV-023" in failed

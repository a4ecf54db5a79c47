"""The Part 4 duty return's demo data: as published, the same every time, and clean unless
problems are asked for."""

import pandas as pd
import pytest
from conftest import by_code, failed_codes
from test_part4_duty_rules import gather

from flows.demo_data.part4_duty import generate
from flows.part4_duty import ACCOMMODATION, DECLARATION, NOT_KNOWN, households_in_year
from statreturns import authorities
from statreturns.declaration import Context
from statreturns.periods import parse_period
from tasks.collect import files_in

PERIOD = parse_period("2025/26")


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context("demo", PERIOD, authorities.load_config(DECLARATION, "demo"))


def provider_rows(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat([f for name, f in frames.items()
                      if name.startswith("provider-monitoring/")], ignore_index=True)


def test_the_same_arguments_give_the_same_files(ctx):
    first, again = generate(PERIOD, ctx.config), generate(PERIOD, ctx.config)
    assert list(first) == list(again)
    for name, frame in first.items():
        pd.testing.assert_frame_equal(frame, again[name])


def test_a_file_for_every_provider_and_quarter_and_the_hub_log(ctx):
    names = list(generate(PERIOD, ctx.config))
    assert names == [f"provider-monitoring/{p.id}-2025-Q{q}" for p in ctx.config.providers
                     for q in range(1, 5)] + ["hub-contacts"]


@pytest.mark.parametrize(("problems", "caseloads", "continuing"),
                         [(False, 1192, 186), (True, 1140, 142)])
def test_the_year_adds_up_to_the_published_figures_each_household_once(
        ctx, problems, caseloads, continuing):
    frames = generate(PERIOD, ctx.config, problems=problems)
    rows = provider_rows(frames)
    assert rows["referrals_received"].sum() == 1261
    assert households_in_year(rows, PERIOD).sum() == 649
    assert rows["households_continuing"].sum() == continuing
    assert rows["households_supported"].sum() == caseloads  # the quarters added up
    hub = frames["hub-contacts"]
    assert hub[["calls", "webchats", "drop_ins"]].sum().tolist() == [24_310, 291, 627]


def test_households_are_supported_across_the_quarters_ends(ctx):
    """Safe Haven's refuge: 25 households continuing from last year and 45 new over the
    year are 70 households, though its four quarters hold 123 between them."""
    rows = provider_rows(generate(PERIOD, ctx.config))
    refuge = rows[(rows["provider"] == "safe-haven") & (rows["accommodation_type"] == "Refuge")]
    assert refuge["households_supported"].tolist() == [34, 31, 29, 29]
    assert refuge["households_continuing"].tolist() == [25, pd.NA, pd.NA, pd.NA]
    assert refuge["households_new"].tolist() == [9, 14, 10, 12]
    assert refuge["households_stopped"].tolist() == [17, 12, 12, 17]
    assert households_in_year(refuge, PERIOD).sum() == 70
    assert refuge["bedspaces"].tolist() == [23, 23, 27, 27]  # a new unit in the third quarter


def test_trans_and_sanctuary_scheme_counts_are_small(ctx):
    rows = provider_rows(generate(PERIOD, ctx.config))
    rows["in_year"] = households_in_year(rows, PERIOD)
    by_type = rows.groupby("accommodation_type")[["in_year", "trans"]].sum()
    assert by_type.loc["Sanctuary scheme", "in_year"] < 5
    assert ((by_type["trans"] > 0) & (by_type["trans"] < 5)).any()
    assert rows[["lgbt", "lgbt_not_known"]].isna().sum().tolist() == [2, 2]  # left blank


def test_some_answers_are_not_known(ctx):
    rows = provider_rows(generate(PERIOD, ctx.config))
    assert rows["sex_not_known"].sum() == 9
    assert rows[list(NOT_KNOWN)].sum().tolist() == [37, 22, 50, 36]


def test_types_are_written_as_providers_write_them(ctx):
    written = set(provider_rows(generate(PERIOD, ctx.config))["accommodation_type"])
    assert written == {"Refuge", "Specialist", "dispersed", "Sanctuary scheme",
                       "Second-stage / move-on", "Other designated"}
    assert len(written) == len(ACCOMMODATION)


def _checked(ctx, tmp_path, problems: bool) -> dict:
    """The demo's files written and every rule run over them: {code: Check}."""
    for name, frame in generate(PERIOD, ctx.config, problems=problems).items():
        path = tmp_path / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
    paths = {"provider-monitoring": files_in(tmp_path / "provider-monitoring"),
             "hub-contacts": [tmp_path / "hub-contacts.csv"]}
    return by_code(gather(tmp_path, ctx, paths))


def test_without_problems_every_rule_passes(ctx, tmp_path):
    assert failed_codes(_checked(ctx, tmp_path, problems=False)) == set()


def test_with_problems_only_the_planted_queries_are_raised(ctx, tmp_path):
    checks = _checked(ctx, tmp_path, problems=True)
    assert failed_codes(checks) == {"DA-017", "DA-R04", "DA-R05"}
    assert checks["DA-R05"].location == ("provider-caseload, provider_quarter Harbour Housing "
                                         "2025-Q4, households_carried, households_new, "
                                         "households_supported")

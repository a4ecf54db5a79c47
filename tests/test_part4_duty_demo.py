"""The Part 4 duty return's demo data: as published, the same every time, and clean unless
problems are asked for."""

import pandas as pd
import pytest
from conftest import by_code, failed_codes
from test_part4_duty_rules import gather

from flows.demo_data.part4_duty import generate
from flows.part4_duty import ACCOMMODATION, DECLARATION
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


@pytest.mark.parametrize("problems", [False, True])
def test_the_year_adds_up_to_the_published_figures(ctx, problems):
    frames = generate(PERIOD, ctx.config, problems=problems)
    rows = provider_rows(frames)
    assert (rows["referrals_received"].sum(), rows["households_supported"].sum()) == (1261, 649)
    hub = frames["hub-contacts"]
    assert hub[["calls", "webchats", "drop_ins"]].sum().tolist() == [24_310, 291, 627]


def test_trans_and_sanctuary_scheme_counts_are_small(ctx):
    rows = provider_rows(generate(PERIOD, ctx.config))
    by_type = rows.groupby("accommodation_type")[["households_supported", "trans"]].sum()
    assert by_type.loc["Sanctuary scheme", "households_supported"] < 5
    assert ((by_type["trans"] > 0) & (by_type["trans"] < 5)).any()
    assert rows["lgbt"].isna().sum() == 2  # a voluntary answer left blank


def test_types_are_written_as_providers_write_them(ctx):
    written = set(provider_rows(generate(PERIOD, ctx.config))["accommodation_type"])
    assert written == {"Refuge", "Specialist", "dispersed", "Sanctuary scheme",
                       "Second-stage / move-on", "Other designated"}
    assert len(written) == len(ACCOMMODATION)


def test_without_problems_every_rule_passes(ctx, tmp_path):
    frames = generate(PERIOD, ctx.config)
    for name, frame in frames.items():
        path = tmp_path / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
    paths = {"provider-monitoring": files_in(tmp_path / "provider-monitoring"),
             "hub-contacts": [tmp_path / "hub-contacts.csv"]}
    assert failed_codes(by_code(gather(tmp_path, ctx, paths))) == set()

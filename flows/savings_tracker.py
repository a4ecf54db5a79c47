"""Savings tracker: the Budget Board's "month N" monitoring of agreed savings, for Cabinet.

Sources: the savings register (every saving agreed for the financial year, its owning
directorate and its target) and the directorates' status submissions, one file per
directorate holding every month of the year so far. The directorates, the delivery
statuses (best to worst) and the printed precision of percentages come from
``config/authorities/<authority>/savings-tracker.toml``. Amounts are GBP thousands.

Run on its own: ``python flows/savings_tracker.py 2026-10``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pandas as pd
from pydantic import BaseModel, Field, field_validator, model_validator

from flows.skeleton import return_flow, run_from_command_line
from statreturns.declaration import (
    BOARD,
    PUBLICATION,
    TOTAL,
    Chart,
    Column,
    Context,
    ReturnDeclaration,
    Source,
    Table,
)
from statreturns.matching import key
from statreturns.periods import MONTH_NAMES, Period, PeriodType, parse_period
from statreturns.rounding import HALF_UP, conventions_kept, exact, fixed

REGISTER, SUBMISSIONS = "savings-register", "status-submissions"
SAVINGS, ROWS = "_savings", "_submission_rows"
"""Not tables of the return: what `assemble` hands to `reconcile` for the rules that need
both sources (a submission's saving against the register's)."""




# --- configuration ------------------------------------------------------------------------

class Directorate(BaseModel):
    id: str
    """Also the name of the directorate's submission file (``adults.csv``)."""
    name: str


class Tracker(BaseModel):
    directorates: list[Directorate] = Field(min_length=1)
    statuses: list[str] = Field(min_length=3)
    """Delivery statuses from best to worst: the first is on track, the last undeliverable."""
    percent_decimals: int = Field(default=1, ge=0, le=3)

    @field_validator("statuses")
    @classmethod
    def _keyed(cls, statuses: list[str]) -> list[str]:
        keyed = [key(s) for s in statuses]
        if len(set(keyed)) != len(keyed):
            raise ValueError("statuses repeat")
        return keyed

    @model_validator(mode="after")
    def _distinct(self) -> Tracker:
        words = [w for d in self.directorates for w in {key(d.id), key(d.name)}]
        if len(set(words)) != len(words):
            raise ValueError("directorate ids and names repeat")
        return self

    @property
    def names(self) -> dict[str, str]:
        return {d.id: d.name for d in self.directorates}

    @property
    def rank(self) -> dict[str, int]:
        """Status -> how bad it is: 0 on track, rising to the last."""
        return {s: i for i, s in enumerate(self.statuses)}

    @property
    def labels(self) -> dict[str, str]:
        """Status -> its heading ('at risk' -> 'At risk')."""
        return {s: s[:1].upper() + s[1:] for s in self.statuses}

    def directorate_ids(self, values: pd.Series) -> pd.Series:
        """Directorates written by id or name, as ids; anything else as written."""
        known = {key(t): d.id for d in self.directorates for t in (d.id, d.name)}
        return values.map(lambda v: known.get(key(v), v), na_action="ignore")


# --- periods ------------------------------------------------------------------------------

def month_number(period: Period) -> int:
    """The month's place in the financial year: April is month 1."""
    return (period.first_month - 4) % 12 + 1


def year_so_far(period: Period) -> list[str]:
    """The months of the financial year up to and including the period's."""
    return parse_period(period.financial_year).months[:month_number(period)]


# --- rules' helper columns ----------------------------------------------------------------

def _where(applies: pd.Series, holds: pd.Series) -> pd.Series:
    """Whether a row keeps a rule, on the rows the rule is about; blank on the others, which
    the suite's expectations pass over."""
    return holds.astype("boolean").mask(~applies.astype(bool))


def derive_register(register: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    out = register.copy()
    out["directorate"] = ctx.config.directorate_ids(register["directorate"])
    out["financial_year"] = register["financial_year"].str.replace("-", "/", regex=False)
    return out


def derive_submissions(rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Statuses and directorates as codes, the month as YYYY-MM, and each saving's status
    and forecast last month beside this month's."""
    cfg: Tracker = ctx.config
    out = rows.copy()
    out["directorate"] = cfg.directorate_ids(rows["directorate"])
    out["status"] = rows["status"].map(key, na_action="ignore")
    month = pd.to_datetime(rows["month"], format="%Y-%m", errors="coerce")
    out["_month"] = month.dt.strftime("%Y-%m")

    known = out["directorate"].where(out["directorate"].isin(list(cfg.names)))
    saving = out.assign(_known=known).groupby("reference", observed=True)
    one_owner = (saving["_file"].transform("nunique") == 1) & (
        saving["_known"].transform("nunique") <= 1)
    out["_one_owner"] = _where(out["reference"].notna(), one_owner)

    rank = out["status"].map(cfg.rank)
    last = out[out["_month"] == str(ctx.period.previous())]
    last = last.dropna(subset=["reference"]).drop_duplicates("reference").set_index("reference")
    last_rank = out["reference"].map(last["status"]).map(cfg.rank)
    last_forecast = out["reference"].map(last["forecast_gbp_k"])
    now = out["_month"] == str(ctx.period)
    had = now & last_rank.notna() & rank.notna()
    explained = out["commentary"].notna() & out["mitigation"].notna()
    out["_worsening_explained"] = _where(had & (rank > last_rank), explained)
    out["_undeliverable_explained"] = _where(now & (out["status"] == cfg.statuses[-1]),
                                            explained)
    forecast = out["forecast_gbp_k"]
    revised = forecast.notna() & last_forecast.notna() & (forecast != last_forecast)
    changed = had & ((rank != last_rank) | revised)
    out["_change_explained"] = _where(changed, out["commentary"].notna())
    return out


def register_parameters(ctx: Context) -> dict:
    return {"financial_year": [ctx.period.financial_year],
            "directorates": list(ctx.config.names)}


def submission_parameters(ctx: Context) -> dict:
    return {"months": year_so_far(ctx.period), "statuses": ctx.config.statuses,
            "directorates": list(ctx.config.names)}


SAVINGS_REGISTER = Source(
    name=REGISTER,
    title="Savings register",
    # The council's savings, money and directorates; owners are job titles: not personal.
    columns=(
        Column("reference", description="The saving's reference, unique in the register"),
        Column("financial_year", description="The financial year of the saving, e.g. 2026/27"),
        Column("directorate", description="The directorate that owns the saving (id or name)"),
        Column("description"),
        Column("target_gbp_k", "number", description="The saving agreed, GBP thousands"),
        Column("owner", description="The job title of the officer responsible"),
    ),
    derive=derive_register,
    parameters=register_parameters,
)

STATUS_SUBMISSIONS = Source(
    name=SUBMISSIONS,
    title="Status submissions",
    # Directorates' monthly word on each saving: not personal.
    columns=(
        Column("reference"),
        Column("directorate", description="The directorate reporting (id or name)"),
        Column("month", description="The month reported on, YYYY-MM"),
        Column("status", description="on track, at risk, delayed or undeliverable"),
        Column("forecast_gbp_k", "number",
               description="The amount forecast to be delivered this year, GBP thousands"),
        Column("commentary"),
        Column("mitigation", description="Compensating savings found in year"),
    ),
    derive=derive_submissions,
    parameters=submission_parameters,
    many=True,
    key=("reference", "month"),  # one status per saving per month (SAV-020)
)


# --- assembly -----------------------------------------------------------------------------

def _month_rows(rows: pd.DataFrame, month: str) -> pd.DataFrame:
    found = rows[rows["_month"] == month].drop_duplicates("reference")
    return found[["reference", "status", "forecast_gbp_k", "mitigation"]]


def _savings(sources: Mapping[str, pd.DataFrame], ctx: Context) -> pd.DataFrame:
    """One row per saving in the register, with its status and forecast this month and last,
    in the order of the configured directorates, then by reference."""
    cfg: Tracker = ctx.config
    rows = sources[SUBMISSIONS]
    savings = sources[REGISTER].merge(_month_rows(rows, str(ctx.period)), how="left",
                                      on="reference")
    last = _month_rows(rows, str(ctx.period.previous())).drop(columns="mitigation")
    savings = savings.merge(last, how="left", on="reference", suffixes=("", "_last"))
    order = {d: i for i, d in enumerate(cfg.names)}
    savings["_order"] = savings["directorate"].map(order)
    savings = savings.sort_values(["_order", "reference"], kind="stable")
    return savings.assign(
        Directorate=savings["directorate"].map(cfg.names), _rank=savings["status"].map(cfg.rank),
    ).drop(columns="_order").reset_index(drop=True)


def _submission_rows(sources: Mapping[str, pd.DataFrame], ctx: Context) -> pd.DataFrame:
    """Each submission row beside the register's entry for its saving."""
    names = ctx.config.names
    rows = sources[SUBMISSIONS]
    register = sources[REGISTER][["reference", "directorate", "target_gbp_k"]]
    joined = rows.merge(register.drop_duplicates("reference"), how="left", on="reference",
                        suffixes=("", "_register"), indicator=True)
    return pd.DataFrame({
        "submission": joined["_file"].astype(str) + " row " + joined["_row"].astype(str),
        "reference": joined["reference"],
        "month": joined["month"],
        "directorate": joined["directorate"].map(lambda d: names.get(d, d), na_action="ignore"),
        "register_directorate": joined["directorate_register"].map(names),
        "forecast_gbp_k": joined["forecast_gbp_k"],
        "target_gbp_k": joined["target_gbp_k"],
        "in_register": joined["_merge"] == "both",
        "same_directorate": _where(joined["_merge"] == "both",
                                   joined["directorate"] == joined["directorate_register"]),
    })


def _totalled(table: pd.DataFrame, first: str) -> pd.DataFrame:
    """A Total column and a Total row, amounts to the pound."""
    table = table.copy()
    table[TOTAL] = table.drop(columns=first).sum(axis=1)
    total = {first: TOTAL, **table.drop(columns=first).sum().to_dict()}
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    return table.round(3)


def _by_directorate(savings: pd.DataFrame, cfg: Tracker) -> pd.DataFrame:
    amounts = savings.groupby(["directorate", "status"])["target_gbp_k"].sum().unstack()
    amounts = amounts.reindex(index=list(cfg.names), columns=cfg.statuses).fillna(0.0)
    amounts = amounts.rename(index=cfg.names, columns=cfg.labels)
    amounts = amounts.rename_axis(index="Directorate", columns=None).reset_index()
    return _totalled(amounts, "Directorate")


def _percent(part: float, whole: float, decimals: int) -> str | None:
    """`part` as a percentage of `whole`, rounded half up: the amounts as exact decimals."""
    return fixed(100 * exact(part) / exact(whole), decimals) if whole else None


def _as_printed(printed: str | None, part: float, whole: float) -> bool:
    """Whether a printed percentage is `part` of `whole` at the decimal places it shows."""
    if printed is None or not whole:
        return printed is None and not whole
    shown = Decimal(printed.replace(",", ""))
    return HALF_UP in conventions_kept(shown, -shown.as_tuple().exponent,
                                       100 * exact(part) / exact(whole))


def _by_status(savings: pd.DataFrame, cfg: Tracker) -> pd.DataFrame:
    sums = savings.groupby("status").agg(
        Savings=("reference", "size"), Target=("target_gbp_k", "sum"),
        Forecast=("forecast_gbp_k", "sum")).reindex(cfg.statuses, fill_value=0)
    table = sums.rename(index=cfg.labels).rename_axis("Status").reset_index()
    total = {"Status": TOTAL, **table.drop(columns="Status").sum().to_dict()}
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    table = table.astype({"Savings": "int64", "Target": float, "Forecast": float}).round(3)
    table["% of target"] = [_percent(t, table["Target"].iloc[-1], cfg.percent_decimals)
                            for t in table["Target"]]
    return table.rename(columns={"Target": "Target (GBP k)", "Forecast": "Forecast (GBP k)"})


def _movements(savings: pd.DataFrame, cfg: Tracker) -> pd.DataFrame:
    was = savings["status_last"].notna()
    moved = savings[was & ((savings["status"] != savings["status_last"])
                           | (savings["forecast_gbp_k"] != savings["forecast_gbp_k_last"]))]
    return pd.DataFrame({
        "Reference": moved["reference"], "Directorate": moved["Directorate"],
        "Description": moved["description"],
        "Status last month": moved["status_last"].map(cfg.labels),
        "Status this month": moved["status"].map(cfg.labels),
        "Forecast last month": moved["forecast_gbp_k_last"],
        "Forecast this month": moved["forecast_gbp_k"],
        "Change": (moved["forecast_gbp_k"] - moved["forecast_gbp_k_last"]).round(3),
    }).reset_index(drop=True)


def _at_risk(savings: pd.DataFrame, cfg: Tracker) -> pd.DataFrame:
    """At risk or worse, worst first."""
    risky = savings[savings["_rank"] >= 1].sort_values("_rank", ascending=False, kind="stable")
    return pd.DataFrame({
        "Reference": risky["reference"], "Directorate": risky["Directorate"],
        "Description": risky["description"], "Target": risky["target_gbp_k"],
        "Forecast": risky["forecast_gbp_k"], "Status": risky["status"].map(cfg.labels),
        "Mitigation": risky["mitigation"],
    }).reset_index(drop=True)


def assemble(sources: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    cfg: Tracker = ctx.config
    savings = _savings(sources, ctx)
    return {"by_directorate": _by_directorate(savings, cfg),
            "by_status": _by_status(savings, cfg),
            "movements": _movements(savings, cfg),
            "at_risk": _at_risk(savings, cfg),
            SAVINGS: savings, ROWS: _submission_rows(sources, ctx)}


def reconcile(tables: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    """Submissions against the register; every saving's status this month; and the sums
    and percentages of the tables by directorate and by status."""
    cfg: Tracker = ctx.config
    savings = tables[SAVINGS]
    by_dir = tables["by_directorate"]
    directorates = by_dir[by_dir["Directorate"] != TOTAL]
    columns = [*cfg.labels.values(), TOTAL]
    by_status = tables["by_status"].set_index("Status").loc[columns]
    council = by_dir[by_dir["Directorate"] == TOTAL][columns].iloc[0]
    whole = by_status.at[TOTAL, "Target (GBP k)"]
    return {
        "against-register": tables[ROWS],
        "statuses-this-month": pd.DataFrame({
            "reference": savings["reference"], "directorate": savings["Directorate"],
            "status": savings["status"]}),
        "totals-by-directorate": pd.DataFrame({
            "directorate": by_dir["Directorate"], "total": by_dir[TOTAL],
            "sum_of_statuses": by_dir[columns[:-1]].sum(axis=1).round(3)}),
        "totals-by-status": pd.DataFrame({
            "status": columns,
            "council_total": council.to_numpy(),
            "sum_of_directorates": directorates[columns].sum().round(3).to_numpy(),
            "by_status_table": by_status["Target (GBP k)"].to_numpy(),
            "percent_printed": by_status["% of target"].to_numpy(),
            "percent_as_printed": [_as_printed(printed, part, whole) for printed, part in zip(
                by_status["% of target"], by_status["Target (GBP k)"], strict=True)],
        }),
    }


def _gbp(amount: float) -> str:
    return f"£{amount:,.0f}k"


def headline(tables: Mapping[str, pd.DataFrame], ctx: Context) -> list[tuple[str, str]]:
    cfg: Tracker = ctx.config
    by_status = tables["by_status"].set_index("Status")
    target, forecast = by_status.loc[TOTAL, ["Target (GBP k)", "Forecast (GBP k)"]]
    worst = [cfg.labels[s] for s in cfg.statuses[2:]]
    late = by_status.loc[worst, "Target (GBP k)"].sum()
    on_track, at_risk = (by_status.at[cfg.labels[s], "% of target"] for s in cfg.statuses[:2])
    return [
        (f"Month {month_number(ctx.period)} of {ctx.period.financial_year} monitoring",
         f"{MONTH_NAMES[ctx.period.first_month - 1]} {ctx.period.first_year}"),
        ("Savings tracked", f"{int(by_status.at[TOTAL, 'Savings']):,}"),
        ("Total savings target", _gbp(target)),
        ("Forecast to be delivered", _gbp(forecast)),
        ("Target on track", f"{on_track}%"),
        (f"  {cfg.labels[cfg.statuses[1]]}", f"{at_risk}%"),
        (f"  {' or '.join(worst).capitalize()}",
         f"{_percent(late, target, cfg.percent_decimals)}%"),
    ]


PAPERS = (BOARD, PUBLICATION)
"""On the Cabinet's paper and in open data: amounts of money, published as they are."""

DECLARATION = ReturnDeclaration(
    id="savings-tracker",
    title="Savings tracker",
    owner="Finance (Budget Board)",
    recipient="Cabinet",
    period_types=(PeriodType.MONTH,),
    deadline="10 working days after the end of the month",
    sign_off=True,
    delivers=BOARD,
    description="Month N monitoring of the savings agreed for the financial year: delivery "
                "status by directorate, movements since last month, and the savings at risk "
                "with their mitigations.",
    sources=(SAVINGS_REGISTER, STATUS_SUBMISSIONS),
    tables=(
        Table("by_directorate", "Savings target by directorate and delivery status "
              "(GBP thousands)", ("Directorate",), audiences=PAPERS),
        Table("by_status", "Savings by delivery status", ("Status",), audiences=PAPERS,
              note="Amounts in GBP thousands. Percentages are of the total target."),
        Table("movements", "Savings whose status or forecast changed since last month "
              "(forecasts in GBP thousands)",
              ("Reference", "Directorate", "Description", "Status last month",
               "Status this month"), key=("Reference",), audiences=PAPERS),
        Table("at_risk", "Savings at risk or worse, with their mitigations (GBP thousands)",
              ("Reference", "Directorate", "Description", "Status", "Mitigation"),
              key=("Reference",), audiences=PAPERS),
    ),
    assemble=assemble,
    reconcile=reconcile,
    configure=Tracker.model_validate,
    headline=headline,
    chart=Chart("by_directorate", "Directorate", (),
                "Savings target by directorate and delivery status (GBP thousands)"),
)

savings_tracker = return_flow(DECLARATION)

if __name__ == "__main__":
    run_from_command_line(DECLARATION, savings_tracker)

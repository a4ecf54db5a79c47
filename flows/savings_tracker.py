"""Savings tracker: the Budget Board's "month N" monitoring of agreed savings, for Cabinet.

Sources: the savings register (every saving in the financial year's budget, its owning
directorate and its target) and the directorates' status submissions, one file per
directorate holding every month of the year so far: each saving's status, the amount
forecast for the year, the amount delivered to date, and any mitigation (one-off or
recurring). The directorates, the delivery statuses (best to worst), the kinds of
mitigation and the printed precision of percentages come from
``config/authorities/<authority>/savings-tracker.toml``. Amounts are GBP thousands.

Real trackers hold savings that are not this year's plain case, and the return accepts
and shows them: a saving carried forward from an earlier year (the register gives that
year), a forecast above the target (over-delivery), a negative target (a saving reversed),
and a saving moved to another directorate in a restructure (it is counted under the
directorate the register names).

Run on its own: ``python flows/savings_tracker.py 2026-10``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pandas as pd
from pydantic import BaseModel, Field, field_validator, model_validator

from flows.on_demand import flow_on_demand
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
from statreturns.matching import flag, key
from statreturns.periods import MONTH_NAMES, Period, PeriodError, PeriodType, parse_period
from statreturns.rounding import HALF_UP, conventions_kept, exact, fixed

REGISTER, SUBMISSIONS = "savings-register", "status-submissions"
SAVINGS, ROWS = "_savings", "_submission_rows"
"""Not tables of the return: what `assemble` hands to `reconcile` for the rules that need
both sources (a submission's saving against the register's)."""
AT_RISK = 2
"""The rank of the third status, at risk: a saving of this rank or worse is at risk."""
NO_MITIGATION = "no mitigation"


# --- configuration ------------------------------------------------------------------------

class Directorate(BaseModel):
    id: str
    """Also the name of the directorate's submission file (``adults.csv``)."""
    name: str


class Tracker(BaseModel):
    directorates: list[Directorate] = Field(min_length=1)
    statuses: list[str] = Field(min_length=4)
    """Delivery statuses from best to worst: the first is delivered, the second on track,
    the third at risk, the last undeliverable."""
    mitigation_types: list[str] = Field(min_length=1)
    """The kinds of mitigation, as headings write them (one-off, recurring)."""
    percent_decimals: int = Field(default=1, ge=0, le=3)

    @field_validator("statuses")
    @classmethod
    def _keyed(cls, statuses: list[str]) -> list[str]:
        keyed = [key(s) for s in statuses]
        if len(set(keyed)) != len(keyed):
            raise ValueError("statuses repeat")
        return keyed

    @field_validator("mitigation_types")
    @classmethod
    def _distinct_types(cls, types: list[str]) -> list[str]:
        if len({key(t) for t in types}) != len(types):
            raise ValueError("mitigation types repeat")
        return types

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
        """Status -> how bad it is: 0 delivered, rising to the last."""
        return {s: i for i, s in enumerate(self.statuses)}

    @property
    def labels(self) -> dict[str, str]:
        """Status -> its heading ('at risk' -> 'At risk')."""
        return {s: _capital(s) for s in self.statuses}

    @property
    def mitigations(self) -> dict[str, str]:
        """Mitigation type as matched -> as written ('one off' -> 'one-off')."""
        return {key(t): t for t in self.mitigation_types}

    def directorate_ids(self, values: pd.Series) -> pd.Series:
        """Directorates written by id or name, as ids; anything else as written."""
        known = {key(t): d.id for d in self.directorates for t in (d.id, d.name)}
        return values.map(lambda v: known.get(key(v), v), na_action="ignore")


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]


# --- periods ------------------------------------------------------------------------------

def month_number(period: Period) -> int:
    """The month's place in the financial year: April is month 1."""
    return (period.first_month - 4) % 12 + 1


def year_so_far(period: Period) -> list[str]:
    """The months of the financial year up to and including the period's."""
    return parse_period(period.financial_year).months[:month_number(period)]


def last_month(period: Period) -> str | None:
    """The month before the period's in its financial year; none for April, the first."""
    return str(period.previous()) if month_number(period) > 1 else None


def _first_year(written: str) -> int | None:
    """The year a financial year written ``2025/26`` starts in; None if it is not one."""
    try:
        year = parse_period(written)
    except PeriodError:
        return None
    return year.first_year if year.type is PeriodType.FINANCIAL_YEAR else None


# --- rules' helper columns ----------------------------------------------------------------

def derive_register(register: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Directorates as ids, the year written 2026/27, and whether a saving is this year's
    or carried forward from an earlier one."""
    out = register.copy()
    out["directorate"] = ctx.config.directorate_ids(register["directorate"])
    out["financial_year"] = register["financial_year"].str.replace("-", "/", regex=False)
    first = pd.to_numeric(out["financial_year"].map(_first_year, na_action="ignore"))
    this = parse_period(ctx.period.financial_year).first_year
    out["_year_not_later"] = flag(out["financial_year"].notna(), first <= this)
    out["_carried_forward"] = first < this
    return out


def derive_submissions(rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Statuses, mitigation types and directorates as codes, the month as YYYY-MM, and flags
    for the rules: most on the rows the return reads (this month's, and last month's for
    what moved since), and on each saving's change since last month."""
    cfg: Tracker = ctx.config
    out = rows.copy()
    out["directorate"] = cfg.directorate_ids(rows["directorate"])
    out["status"] = rows["status"].map(key, na_action="ignore")
    out["mitigation_type"] = rows["mitigation_type"].map(key, na_action="ignore")
    month = pd.to_datetime(rows["month"], format="%Y-%m", errors="coerce")
    out["_month"] = month.dt.strftime("%Y-%m")
    now = out["_month"] == str(ctx.period)
    before = out["_month"] == last_month(ctx.period)
    read = now | before
    status, forecast, delivered = out["status"], out["forecast_gbp_k"], out["delivered_gbp_k"]

    out["_status_given"] = flag(read, status.notna())
    out["_status_known"] = flag(read & status.notna(), status.isin(cfg.statuses))
    out["_forecast_given"] = flag(read, forecast.notna())
    out["_delivered_given"] = flag(now, delivered.notna())
    out["_one_status"] = flag(read & out["reference"].notna(),
                              ~out.duplicated(["reference", "_month"], keep=False))

    known = out["directorate"].where(out["directorate"].isin(list(cfg.names)))
    saving = out.assign(_known=known).groupby("reference", observed=True)
    one_owner = (saving["_file"].transform("nunique") == 1) & (
        saving["_known"].transform("nunique") <= 1)
    out["_one_owner"] = flag(out["reference"].notna(), one_owner)

    out["_mitigation_typed"] = flag(now & out["mitigation"].notna(),
                                    out["mitigation_type"].isin(list(cfg.mitigations)))
    both = now & forecast.notna() & delivered.notna()
    out["_delivered_within_forecast"] = flag(both, delivered.between(
        forecast.clip(upper=0), forecast.clip(lower=0)))
    out["_delivered_is_forecast"] = flag(both & (status == cfg.statuses[0]),
                                         delivered == forecast)
    return _since_last_month(out, cfg, now, before)


def _since_last_month(out: pd.DataFrame, cfg: Tracker, now: pd.Series,
                      before: pd.Series) -> pd.DataFrame:
    """Flags on this month's rows whose status worsened, is undeliverable, or whose status
    or forecast changed since last month: each needs saying why."""
    rank, forecast = out["status"].map(cfg.rank), out["forecast_gbp_k"]
    last = out[before].dropna(subset=["reference"]).drop_duplicates("reference")
    last = last.set_index("reference")
    last_rank = out["reference"].map(last["status"]).map(cfg.rank)
    last_forecast = out["reference"].map(last["forecast_gbp_k"])
    had = now & last_rank.notna() & rank.notna()
    explained = out["commentary"].notna() & out["mitigation"].notna()
    out["_worsening_explained"] = flag(had & (rank > last_rank), explained)
    out["_undeliverable_explained"] = flag(now & (out["status"] == cfg.statuses[-1]),
                                           explained)
    revised = forecast.notna() & last_forecast.notna() & (forecast != last_forecast)
    changed = had & ((rank != last_rank) | revised)
    out["_change_explained"] = flag(changed, out["commentary"].notna())
    return out


def register_parameters(ctx: Context) -> dict:
    return {"directorates": list(ctx.config.names)}


def submission_parameters(ctx: Context) -> dict:
    return {"months": year_so_far(ctx.period), "directorates": list(ctx.config.names)}


SAVINGS_REGISTER = Source(
    name=REGISTER,
    title="Savings register",
    # The council's savings, money and directorates; owners are job titles: not personal.
    columns=(
        Column("reference", description="The saving's reference, unique in the register"),
        Column("financial_year",
               description="The financial year the saving was agreed for, e.g. 2026/27; an "
                           "earlier year for a saving carried forward"),
        Column("directorate", description="The directorate that owns the saving (id or name)"),
        Column("description"),
        Column("target_gbp_k", "number",
               description="The saving agreed, GBP thousands; negative for a reversal"),
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
        Column("status",
               description="delivered, on track, at risk, delayed or undeliverable"),
        Column("forecast_gbp_k", "number",
               description="The amount forecast to be delivered this year, GBP thousands"),
        Column("delivered_gbp_k", "number",
               description="The amount delivered so far this year, GBP thousands"),
        Column("commentary"),
        Column("mitigation", description="Compensating savings found in year"),
        Column("mitigation_type", description="one-off or recurring"),
    ),
    derive=derive_submissions,
    parameters=submission_parameters,
    many=True,
    key=("reference", "month"),  # one status per saving per month (SAV-020)
)


# --- assembly -----------------------------------------------------------------------------

THIS_MONTH = ["status", "forecast_gbp_k", "delivered_gbp_k", "mitigation", "mitigation_type"]
"""What each saving's row of the month being monitored gives the tables."""


def _month_rows(rows: pd.DataFrame, month: str | None, columns: list[str]) -> pd.DataFrame:
    found = rows[rows["_month"] == month].drop_duplicates("reference")
    return found[["reference", *columns]]


def _reporters(rows: pd.DataFrame, names: dict[str, str]) -> pd.Series:
    """Each saving's reporting directorates (names), in the order they first reported it."""
    reported = rows.dropna(subset=["reference", "directorate"]).sort_values(
        "_month", kind="stable")
    return reported.groupby("reference")["directorate"].agg(
        lambda found: list(dict.fromkeys(names.get(d, d) for d in found)))


def _moved(reporters: object, owner: str) -> str | None:
    """How a saving moved between directorates; None where it did not."""
    if not isinstance(reporters, list) or set(reporters) <= {owner}:
        return None
    said = "Moved: reported by " + ", then ".join(reporters)
    return said if reporters[-1] == owner else f"{said}; the register still names {owner}"


def _savings(sources: Mapping[str, pd.DataFrame], ctx: Context) -> pd.DataFrame:
    """One row per saving in the register, with this month's status, amounts and mitigation
    and last month's status and forecast, its shortfall and over-delivery, and how it moved
    between directorates; in the order of the configured directorates, then by reference."""
    cfg: Tracker = ctx.config
    rows = sources[SUBMISSIONS]
    now = _month_rows(rows, str(ctx.period), THIS_MONTH)
    savings = sources[REGISTER].merge(now, how="left", on="reference")
    last = _month_rows(rows, last_month(ctx.period), ["status", "forecast_gbp_k"])
    savings = savings.merge(last, how="left", on="reference", suffixes=("", "_last"))
    order = {d: i for i, d in enumerate(cfg.names)}
    savings["_order"] = savings["directorate"].map(order)
    savings = savings.sort_values(["_order", "reference"], kind="stable")
    gap = savings["target_gbp_k"] - savings["forecast_gbp_k"]
    directorate = savings["directorate"].map(cfg.names)
    reporters = savings["reference"].map(_reporters(rows, cfg.names))
    return savings.assign(
        Directorate=directorate, _rank=savings["status"].map(cfg.rank),
        shortfall=gap.clip(lower=0), over_delivery=(-gap).clip(lower=0),
        moved=[_moved(r, owner) for r, owner in zip(reporters, directorate, strict=True)],
    ).drop(columns="_order").reset_index(drop=True)


def _submission_rows(sources: Mapping[str, pd.DataFrame], ctx: Context) -> pd.DataFrame:
    """Each submission row beside the register's entry for its saving, with flags for the
    rules on this month's rows."""
    names = ctx.config.names
    rows = sources[SUBMISSIONS]
    register = sources[REGISTER][["reference", "directorate", "target_gbp_k"]]
    joined = rows.merge(register.drop_duplicates("reference"), how="left", on="reference",
                        suffixes=("", "_register"), indicator=True)
    now = joined["_month"] == str(ctx.period)
    listed = joined["_merge"] == "both"
    forecast, delivered, target = (joined[c] for c in (
        "forecast_gbp_k", "delivered_gbp_k", "target_gbp_k"))
    return pd.DataFrame({
        "submission": joined["_file"].astype(str) + " row " + joined["_row"].astype(str),
        "reference": joined["reference"],
        "month": joined["month"],
        "directorate": joined["directorate"].map(lambda d: names.get(d, d), na_action="ignore"),
        "register_directorate": joined["directorate_register"].map(names),
        "forecast_gbp_k": forecast,
        "delivered_gbp_k": delivered,
        "target_gbp_k": target,
        "in_register": listed,
        "same_directorate": flag(listed & now,
                                 joined["directorate"] == joined["directorate_register"]),
        "within_target": flag(now & forecast.notna() & target.notna(), forecast <= target),
        "sign_as_target": flag(listed & now & ((forecast < 0) | (delivered < 0)), target < 0),
    })


def _total_row(table: pd.DataFrame, first: str) -> pd.DataFrame:
    """The table with a Total row: the sum of each figure column."""
    total = {first: TOTAL, **table.drop(columns=first).sum().to_dict()}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def _by_directorate(savings: pd.DataFrame, cfg: Tracker) -> pd.DataFrame:
    """Each saving's whole target under its status, by directorate: a Total column and row."""
    amounts = savings.groupby(["directorate", "status"])["target_gbp_k"].sum().unstack()
    amounts = amounts.reindex(index=list(cfg.names), columns=cfg.statuses).fillna(0.0)
    amounts = amounts.rename(index=cfg.names, columns=cfg.labels)
    amounts = amounts.rename_axis(index="Directorate", columns=None).reset_index()
    amounts[TOTAL] = amounts.drop(columns="Directorate").sum(axis=1)
    return _total_row(amounts, "Directorate").round(3)


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


AMOUNTS = {"target_gbp_k": "Target", "delivered_gbp_k": "Delivered to date",
           "forecast_gbp_k": "Forecast", "shortfall": "Shortfall"}
"""The amounts of each saving added up by status and by directorate, and their headings."""


def _by_status(savings: pd.DataFrame, cfg: Tracker) -> pd.DataFrame:
    sums = savings.groupby("status").agg(
        Savings=("reference", "size"),
        **{heading: (column, "sum") for column, heading in AMOUNTS.items()},
    ).reindex(cfg.statuses, fill_value=0)
    table = _total_row(sums.rename(index=cfg.labels).rename_axis("Status").reset_index(),
                       "Status")
    table = table.astype({"Savings": "int64", **dict.fromkeys(AMOUNTS.values(), float)})
    table = table.round(3)
    table["% of target"] = [_percent(t, table["Target"].iloc[-1], cfg.percent_decimals)
                            for t in table["Target"]]
    return table.rename(columns={h: f"{h} (GBP k)" for h in AMOUNTS.values()})


def _shortfall_headings(cfg: Tracker) -> dict[str, str]:
    """Mitigation type (as matched, or none) -> the heading of the shortfall it mitigates."""
    return {**{k: f"Shortfall: {t} mitigation" for k, t in cfg.mitigations.items()},
            NO_MITIGATION: f"Shortfall: {NO_MITIGATION}"}


def _delivery(savings: pd.DataFrame, cfg: Tracker) -> pd.DataFrame:
    """Target, delivered to date, forecast, shortfall and over-delivery by directorate, and
    the shortfall by the kind of mitigation its saving has; of the savings with a status
    this month, as in the tables by status."""
    savings = savings[savings["_rank"].notna()]
    mitigated = savings["mitigation_type"].where(savings["mitigation"].notna(), NO_MITIGATION)
    amounts = pd.DataFrame({
        "Directorate": savings["Directorate"],
        **{heading: savings[column] for column, heading in AMOUNTS.items()},
        "Over-delivery": savings["over_delivery"],
        **{heading: savings["shortfall"].where(mitigated == kind, 0.0)
           for kind, heading in _shortfall_headings(cfg).items()},
    })
    table = amounts.groupby("Directorate").sum().reindex(list(cfg.names.values()),
                                                         fill_value=0.0)
    return _total_row(table.astype(float).reset_index(), "Directorate").round(3)


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
    """At risk or worse, worst first, with the shortfall and whether its mitigation is
    one-off or recurring."""
    risky = savings[savings["_rank"] >= AT_RISK].sort_values("_rank", ascending=False,
                                                             kind="stable")
    kind = risky["mitigation_type"].where(risky["mitigation"].notna())
    return pd.DataFrame({
        "Reference": risky["reference"], "Directorate": risky["Directorate"],
        "Description": risky["description"], "Status": risky["status"].map(cfg.labels),
        "Target": risky["target_gbp_k"], "Forecast": risky["forecast_gbp_k"],
        "Shortfall": risky["shortfall"], "Mitigation": risky["mitigation"],
        "Mitigation type": kind.map(cfg.mitigations).map(_capital, na_action="ignore"),
    }).reset_index(drop=True)


def _special_cases(savings: pd.DataFrame, cfg: Tracker) -> pd.DataFrame:
    """Savings carried forward from an earlier year, reversed (a negative target),
    forecast above their target, or moved between directorates, each saying which."""
    blank = pd.Series(None, index=savings.index, dtype=object)
    said = pd.DataFrame({
        "carried": ("Carried forward from " + savings["financial_year"]).where(
            savings["_carried_forward"].astype(bool)),
        "reversed": blank.mask(savings["target_gbp_k"] < 0, "Reversal of an earlier saving"),
        "over": blank.mask(savings["over_delivery"] > 0, "Over-delivery"),
        "moved": savings["moved"],
    })
    note = said.apply(lambda found: "; ".join(found.dropna()), axis=1)
    special = savings[note != ""]
    return pd.DataFrame({
        "Reference": special["reference"], "Directorate": special["Directorate"],
        "Description": special["description"], "Status": special["status"].map(cfg.labels),
        "Target": special["target_gbp_k"], "Delivered to date": special["delivered_gbp_k"],
        "Forecast": special["forecast_gbp_k"], "Note": note[note != ""],
    }).reset_index(drop=True)


def assemble(sources: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    cfg: Tracker = ctx.config
    savings = _savings(sources, ctx)
    return {"by_directorate": _by_directorate(savings, cfg),
            "delivery": _delivery(savings, cfg),
            "by_status": _by_status(savings, cfg),
            "movements": _movements(savings, cfg),
            "at_risk": _at_risk(savings, cfg),
            "special_cases": _special_cases(savings, cfg),
            SAVINGS: savings, ROWS: _submission_rows(sources, ctx)}


def _delivery_figures(tables: Mapping[str, pd.DataFrame], cfg: Tracker) -> dict:
    """The table of delivery by directorate against itself, the table by directorate and
    status, and the table by status."""
    delivery = tables["delivery"]
    shortfalls = list(_shortfall_headings(cfg).values())
    figures = [c for c in delivery.columns if c != "Directorate"]
    directorates = delivery[delivery["Directorate"] != TOTAL]
    by_status = tables["by_status"].set_index("Status").loc[TOTAL]
    return {
        "delivery-by-directorate": pd.DataFrame({
            "directorate": delivery["Directorate"],
            "target": delivery["Target"],
            "target_by_status": delivery["Directorate"].map(
                tables["by_directorate"].set_index("Directorate")[TOTAL]),
            "target_less_forecast": (delivery["Target"] - delivery["Forecast"]).round(3),
            "shortfall_less_over_delivery": (
                delivery["Shortfall"] - delivery["Over-delivery"]).round(3),
            "shortfall": delivery["Shortfall"],
            "shortfall_by_mitigation": delivery[shortfalls].sum(axis=1).round(3),
        }),
        "delivery-totals": pd.DataFrame({
            "column": figures,
            "council_total": delivery[figures].iloc[-1].to_numpy(),
            "sum_of_directorates": directorates[figures].sum().round(3).to_numpy(),
            "by_status_table": [by_status.get(f"{c} (GBP k)") for c in figures],
        }),
    }


def reconcile(tables: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    """Submissions against the register; every saving's status this month; and the sums
    and percentages of the tables by directorate, by status and of delivery."""
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
        **_delivery_figures(tables, cfg),
    }


def _gbp(amount: float) -> str:
    return f"£{amount:,.0f}k"


def headline(tables: Mapping[str, pd.DataFrame], ctx: Context) -> list[tuple[str, str]]:
    cfg: Tracker = ctx.config
    by_status = tables["by_status"].set_index("Status")
    total = tables["delivery"].set_index("Directorate").loc[TOTAL]
    target = total["Target"]
    worst = [cfg.labels[s] for s in cfg.statuses[AT_RISK + 1:]]
    late = by_status.loc[worst, "Target (GBP k)"].sum()
    best = cfg.statuses[:AT_RISK + 1]
    shares = {s: by_status.at[cfg.labels[s], "% of target"] for s in best}
    return [
        (f"Month {month_number(ctx.period)} of {ctx.period.financial_year} monitoring",
         f"{MONTH_NAMES[ctx.period.first_month - 1]} {ctx.period.first_year}"),
        ("Savings tracked", f"{int(by_status.at[TOTAL, 'Savings']):,}"),
        ("Total savings target", _gbp(target)),
        ("Delivered to date", _gbp(total["Delivered to date"])),
        ("Forecast to be delivered", _gbp(total["Forecast"])),
        ("Shortfall against target", _gbp(total["Shortfall"])),
        *((f"  with {heading.removeprefix('Shortfall: ')}", _gbp(total[heading]))
          for heading in _shortfall_headings(cfg).values()),
        ("Over-delivery", _gbp(total["Over-delivery"])),
        (f"Target of savings {best[0]}", f"{shares[best[0]]}%"),
        *((f"  {cfg.labels[s]}", f"{shares[s]}%") for s in best[1:]),
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
                "status by directorate, what is delivered to date, forecast and short of "
                "target, movements since last month, the savings at risk with their one-off "
                "or recurring mitigations, and the savings carried forward, reversed, "
                "over-delivered or moved between directorates.",
    sources=(SAVINGS_REGISTER, STATUS_SUBMISSIONS),
    tables=(
        Table("by_directorate", "Savings target by directorate and delivery status "
              "(GBP thousands)", ("Directorate",), audiences=PAPERS,
              note="Each saving's whole target is shown under its status this month."),
        Table("delivery", "Savings delivered to date, forecast and shortfall by directorate "
              "(GBP thousands)", ("Directorate",), audiences=PAPERS,
              note="Shortfall is the target less the forecast of each saving forecast below "
                   "its target; over-delivery is the forecast above the target of each "
                   "saving forecast above it. The shortfall is also split by the kind of "
                   "mitigation its saving has: one-off (this year only) or recurring."),
        Table("by_status", "Savings by delivery status", ("Status",), audiences=PAPERS,
              note="Amounts in GBP thousands. Percentages are of the total target. "
                   "Shortfall is the target less the forecast of each saving forecast "
                   "below its target."),
        Table("movements", "Savings whose status or forecast changed since last month "
              "(forecasts in GBP thousands)",
              ("Reference", "Directorate", "Description", "Status last month",
               "Status this month"), key=("Reference",), audiences=PAPERS),
        Table("at_risk", "Savings at risk or worse, with their shortfall and one-off or "
              "recurring mitigations (GBP thousands)",
              ("Reference", "Directorate", "Description", "Status", "Mitigation",
               "Mitigation type"), key=("Reference",), audiences=PAPERS),
        Table("special_cases", "Savings carried forward, reversed, over-delivered or moved "
              "between directorates (GBP thousands)",
              ("Reference", "Directorate", "Description", "Status", "Note"),
              key=("Reference",), audiences=PAPERS,
              note="A saving moved between directorates is counted under the directorate "
                   "the savings register names."),
    ),
    assemble=assemble,
    reconcile=reconcile,
    configure=Tracker.model_validate,
    headline=headline,
    chart=Chart("by_directorate", "Directorate", (),
                "Savings target by directorate and delivery status (GBP thousands)"),
)

__getattr__ = flow_on_demand(DECLARATION, globals())

if __name__ == "__main__":
    from flows.skeleton import run_from_command_line

    run_from_command_line(DECLARATION)

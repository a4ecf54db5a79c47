"""PSPO breach counts: breaches of Public Spaces Protection Orders, for the partnership board.

Source: the enforcement log kept by intervention officers and police. Orders and their
conditions (with the dates they are in force) come from the authority's configuration,
``config/authorities/<authority>/pspo-breaches.toml``.

Run on its own: ``python flows/pspo_breaches.py R12-2026-10``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, model_validator

from flows.on_demand import flow_on_demand
from statreturns.declaration import (
    BOARD,
    EXEMPT,
    NOTES,
    PERSONAL,
    PUBLICATION,
    SPECIAL,
    Chart,
    Column,
    Context,
    Disclosure,
    ReturnDeclaration,
    Source,
    Table,
)
from statreturns.matching import flag, key, keys
from statreturns.periods import PeriodType

FPN_OUTCOMES = ("fpn_issued", "fpn_paid", "fpn_cancelled", "fpn_withdrawn")
PROSECUTION = "prosecution"
CORE_OUTCOMES = ("warning", *FPN_OUTCOMES, PROSECUTION)
"""The outcomes the fixed penalty reconciliation counts on: every authority's list has them."""
UNKNOWN_OUTCOME = "Other outcome"
"""The column counting breaches whose outcome is not on the authority's list (queried)."""
NOT_RECORDED = "Not recorded"
MAX_YEARS = 3
SUMMARY_LIMIT = pd.DateOffset(months=6)
"""A summary prosecution must begin within six months of the offence (Magistrates' Courts
Act 1980, s.127)."""


# --- configuration: the orders ------------------------------------------------------------

def _years_after(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    return (pd.Timestamp(day) + pd.DateOffset(years=years)).date()


class Condition(BaseModel):
    id: str
    name: str
    section: Literal["s63", "s67"]
    """The power a breach is dealt with under (Anti-social Behaviour, Crime and Policing
    Act 2014): s63 for alcohol, s67 for the rest."""
    start: date | None = None
    end: date | None = None


class Extension(BaseModel):
    on: date
    """The day the extension was made: before the order would have expired."""
    to: date
    """The order's new last day: at most three years after the one before."""


class Order(BaseModel):
    id: str
    name: str
    made: date
    start: date
    end: date
    extensions: list[Extension] = []
    """Each extension in turn: the 2014 Act allows an order to be extended more than once."""
    wards: list[str] = Field(min_length=1)
    conditions: list[Condition] = Field(min_length=1)

    @model_validator(mode="after")
    def _lawful_duration(self) -> Order:
        if self.end > _years_after(self.start, MAX_YEARS):
            raise ValueError(f"order {self.id} lasts more than {MAX_YEARS} years")
        last = self.end
        for n, extension in enumerate(self.extensions, start=1):
            if extension.on > last:
                raise ValueError(f"order {self.id}: extension {n} was made on {extension.on}, "
                                 f"after the order expired on {last}")
            if not last < extension.to <= _years_after(last, MAX_YEARS):
                raise ValueError(f"order {self.id}: extension {n} must end after {last} and "
                                 f"at most {MAX_YEARS} years later")
            last = extension.to
        return self

    @property
    def effective_end(self) -> date:
        return self.extensions[-1].to if self.extensions else self.end

    def in_force_during(self, start: date, end: date) -> bool:
        return self.start <= end and self.effective_end >= start


class Outcome(BaseModel):
    id: str
    name: str
    """As the published tables head its column."""
    aliases: list[str] = []
    """Other words logs use for it."""


DEFAULT_OUTCOMES = [
    Outcome(id="warning", name="Warning", aliases=["verbal warning", "written warning"]),
    Outcome(id="words_of_advice", name="Words of advice", aliases=["advice", "advised"]),
    Outcome(id="no_further_action", name="No further action", aliases=["NFA"]),
    Outcome(id="community_protection_warning", name="Community protection warning",
            aliases=["CPW"]),
    Outcome(id="referral", name="Referred to support",
            aliases=["referral", "referred", "referred to support services"]),
    Outcome(id="fpn_issued", name="FPN outstanding", aliases=["FPN", "fixed penalty"]),
    Outcome(id="fpn_paid", name="FPN paid"),
    Outcome(id="fpn_cancelled", name="FPN cancelled"),
    Outcome(id="fpn_withdrawn", name="FPN withdrawn", aliases=["withdrawn"]),
    Outcome(id="prosecution", name="Prosecuted", aliases=["prosecuted", "court"]),
]
"""What real logs record after a breach. An authority's settings may list its own; each
list holds the outcomes the fixed penalty reconciliation counts on (`CORE_OUTCOMES`)."""


class Ward(BaseModel):
    name: str
    """Its official name, as the published tables give it."""
    aliases: list[str] = []
    """Other spellings logs use."""
    formerly: list[str] = []
    """Wards it replaced in a boundary change: a breach logged under one is counted here."""


class Orders(BaseModel):
    max_fpn_amount: float = 100
    orders: list[Order]
    outcomes: list[Outcome] = DEFAULT_OUTCOMES
    wards: list[Ward] = []
    """The authority's wards; by default, those its orders cover."""

    @model_validator(mode="after")
    def _complete(self) -> Orders:
        if missing := set(CORE_OUTCOMES) - {o.id for o in self.outcomes}:
            raise ValueError(f"outcomes must include {', '.join(sorted(missing))}")
        if self.wards and (unlisted := {w for o in self.orders for w in o.wards}
                           - {w.name for w in self.wards}):
            raise ValueError(f"orders cover wards not in the ward list: "
                             f"{', '.join(sorted(unlisted))}")
        return self

    @property
    def ward_list(self) -> list[Ward]:
        return self.wards or [Ward(name=w) for w in
                              sorted({w for o in self.orders for w in o.wards})]

    @property
    def outcome_names(self) -> dict[str, str]:
        return {o.id: o.name for o in self.outcomes}

    def in_force(self, ctx: Context) -> list[Order]:
        return [o for o in self.orders if o.in_force_during(ctx.period.start, ctx.period.end)]

    def conditions_frame(self) -> pd.DataFrame:
        rows = [
            {"order": o.id, "condition": c.id,
             "_from": pd.Timestamp(max(o.start, c.start or o.start)),
             "_to": pd.Timestamp(min(o.effective_end, c.end or o.effective_end))
             + pd.Timedelta(days=1)}
            for o in self.orders for c in o.conditions
        ]
        return pd.DataFrame(rows)


# --- rules' helper columns ----------------------------------------------------------------







def _lookup(keys: pd.DataFrame, table: list[tuple]) -> pd.Series:
    """The last column of `table` for each row of `keys` (matched on its columns)."""
    names = list(keys.columns)
    frame = pd.DataFrame(table, columns=[*names, "_value"]).drop_duplicates(names)
    return keys.merge(frame, how="left", on=names)["_value"].set_axis(keys.index)


def _period_bounds(ctx: Context) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and the last minute of the period."""
    return (pd.Timestamp(ctx.period.start),
            pd.Timestamp(ctx.period.end) + pd.Timedelta(hours=23, minutes=59, seconds=59))


def _wards(log: pd.DataFrame, cfg: Orders) -> tuple[pd.Series, pd.Series]:
    """Each breach's ward by its official name (other spellings and names from before a
    boundary change accepted; an unknown one as written), and the former name where one
    was used (else missing)."""
    found = _lookup(pd.DataFrame({"k": keys(log["ward"], "_")}), [
        (key(t, "_"), w.name) for w in cfg.ward_list for t in (w.name, *w.aliases)]
        + [(key(t, "_"), w.name) for w in cfg.ward_list for t in w.formerly])
    former = {key(t, "_") for w in cfg.ward_list for t in w.formerly}
    was = log["ward"].str.strip().where(keys(log["ward"], "_").isin(former))
    written = log["ward"].str.strip().replace("", pd.NA)
    return found.fillna(written), was


def derive(log: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Codes for orders, conditions and outcomes and official ward names (other spellings
    accepted), and the rules' flags. A rule about a breach's order, condition or ward
    skips a breach outside the period: it is left out of the return."""
    cfg: Orders = ctx.config
    out = log.copy(deep=False)  # copy-on-write: the log itself is never changed
    out["order"] = _lookup(pd.DataFrame({"k": keys(log["order"], "_")}), [
        (key(t, "_"), o.id) for o in cfg.orders for t in (o.id, o.name)]).fillna(log["order"])
    out["condition"] = _lookup(
        pd.DataFrame({"o": out["order"], "k": keys(log["condition"], "_")}),
        [(o.id, key(t, "_"), c.id) for o in cfg.orders for c in o.conditions
         for t in (c.id, c.name)]).fillna(log["condition"])
    out["outcome"] = _lookup(pd.DataFrame({"k": keys(log["outcome"], "_")}), [
        (key(t, "_"), o.id) for o in cfg.outcomes for t in (o.id, o.name, *o.aliases)]
    ).fillna(keys(log["outcome"], "_"))
    out["ward"], out["_ward_was"] = _wards(log, cfg)
    out["issuer_type"] = log["issuer_type"].str.lower().str.strip()
    first, last = _period_bounds(ctx)
    when = out["breach_datetime"]
    in_period = when.between(first, last)
    out["_in_period"] = in_period

    spans = out[["order", "condition"]].merge(cfg.conditions_frame(), how="left",
                                              on=["order", "condition"]).set_axis(out.index)
    known_order = out["order"].isin([o.id for o in cfg.orders])
    out["_condition_known"] = flag(known_order & in_period, spans["_from"].notna())
    out["_in_force"] = flag(spans["_from"].notna() & in_period,
                             (when >= spans["_from"]) & (when < spans["_to"]))
    in_wards = _lookup(out[["order", "ward"]], [(o.id, w, True) for o in cfg.orders
                                                for w in o.wards]).notna()
    ward_given = out["ward"].notna() & in_period
    out["_ward_known"] = flag(ward_given, out["ward"].isin([w.name for w in cfg.ward_list]))
    out["_ward_in_order"] = flag(known_order & ward_given, in_wards)
    prosecuted = (out["outcome"] == PROSECUTION) & when.notna() & out["outcome_date"].notna()
    out["_prosecuted_in_time"] = flag(prosecuted & in_period,
                                      out["outcome_date"] <= when.dt.normalize() + SUMMARY_LIMIT)
    is_fpn = out["outcome"].isin(FPN_OUTCOMES)
    out["_fpn_dated"] = flag(is_fpn, out["fpn_issued_date"].notna())
    out["_fpn_priced"] = flag(is_fpn, out["fpn_amount"].notna())
    prosecuted_after_fpn = (out["outcome"] == "prosecution") & out["fpn_issued_date"].notna()
    days = (out["outcome_date"] - out["fpn_issued_date"]).dt.days
    out["_days_fpn_to_prosecution"] = days.where(prosecuted_after_fpn)
    return out


def suite_parameters(ctx: Context) -> dict:
    return {
        "orders": [o.id for o in ctx.config.orders],
        "outcomes": [o.id for o in ctx.config.outcomes],
        "max_fpn_amount": ctx.config.max_fpn_amount,
    }


ENFORCEMENT_LOG = Source(
    name="enforcement-log",
    title="Enforcement log",
    # Each row records one person's breach of an order, which is an offence (UK GDPR
    # art. 10): who and where the person was are personal data; what they did, when, and
    # what followed are special category. The order, the ward and the kind of officer are
    # the authority's own lists: they say where the council enforces, of no one in
    # particular, and are what the published tables count by.
    columns=(
        Column("breach_id", data=PERSONAL,
               description="The log's reference for the breach: it leads to the person"),
        Column("breach_datetime", "datetime", data=SPECIAL,
               description="When the person is recorded breaching the order"),
        Column("order", description="The order breached (code or name)"),
        Column("condition", data=SPECIAL,
               description="The order's condition breached (code or name): what the person "
                           "did"),
        Column("ward", description="The electoral ward the breach happened in"),
        Column("place", data=PERSONAL,
               description="Where the person was: a street, a building, an address"),
        Column("outcome", data=SPECIAL,
               description="warning, FPN issued, FPN paid, FPN cancelled, prosecution"),
        Column("issuer_type", description="intervention officer or police"),
        Column("fpn_issued_date", "date", data=SPECIAL),
        Column("fpn_amount", "number", data=SPECIAL),
        Column("outcome_date", "date", data=SPECIAL),
        Column("person_name", data=PERSONAL),
        Column("person_dob", "date", data=PERSONAL),
    ),
    derive=derive,
    parameters=suite_parameters,
)


# --- assembly -----------------------------------------------------------------------------

def _with_totals(table: pd.DataFrame, index: list[str]) -> pd.DataFrame:
    """Adds a Total column and a Total row to a table of counts."""
    table = table.copy()
    table["Total"] = table.drop(columns=index).sum(axis=1)
    total = {c: ("Total" if c == index[0] else "") for c in index}
    total.update(table.drop(columns=index).sum().to_dict())
    out = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    counts = [c for c in out.columns if c not in index]
    return out.astype({c: "int64" for c in counts})


def _crosstab(log: pd.DataFrame, rows: list[str], column: str, columns: list[str],
              labels: Mapping[str, str]) -> pd.DataFrame:
    counts = log.groupby(rows + [column], observed=True).size().unstack(column, fill_value=0)
    counts = counts.reindex(columns=columns, fill_value=0).rename(columns=labels)
    return counts.reset_index()


def _prepared(log: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """The log's dimensions as categories (quick to count), flags, and a person number
    standing for name and date of birth (which go no further)."""
    start = ctx.period.start
    when = log["breach_datetime"]
    month = (when.dt.year - start.year) * 12 + (when.dt.month - start.month)
    name = log["person_name"].str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
    name_code, _ = pd.factorize(name)
    dob_code, dobs = pd.factorize(log["person_dob"])
    known = (name_code >= 0) & (dob_code >= 0)
    fpn_dated = log["fpn_issued_date"].notna()
    known = log["outcome"].isin([o.id for o in ctx.config.outcomes])
    outstanding = log["outcome"] == "fpn_issued"
    return pd.DataFrame({
        "order": log["order"].astype("category"),
        "condition": log["condition"].astype("category"),
        "outcome": log["outcome"].where(known, UNKNOWN_OUTCOME).astype("category"),
        "ward": log["ward"].fillna(NOT_RECORDED).astype("category"),
        "month": pd.Categorical.from_codes(  # -1 (no month) for a breach outside the period
            month.where(month.between(0, len(ctx.period.months) - 1), -1).fillna(-1)
            .astype(int).to_numpy(), categories=ctx.period.months),
        "fpn": log["outcome"].isin(FPN_OUTCOMES) | fpn_dated,
        "prosecuted_after_fpn": (log["outcome"] == PROSECUTION) & fpn_dated,
        "out_of_time": outstanding & (when.dt.normalize() + SUMMARY_LIMIT
                                      < pd.Timestamp(ctx.period.end)),
        "income": log["fpn_amount"].where(log["outcome"] == "fpn_paid", 0).fillna(0),
        "person": np.where(known, name_code * (len(dobs) + 1) + dob_code, -1),
    })


def _repeat_breachers(log: pd.DataFrame, order_names: dict[str, str]) -> pd.DataFrame:
    people = log[log["person"] >= 0]
    per_order = people.groupby(["order", "person"], observed=True).size()
    rows = []
    for label, counts in [(order_names[o], per_order.get(o, pd.Series(dtype=int)))
                          for o in order_names] + [
            ("All orders", people.groupby("person").size())]:
        repeat = counts[counts >= 2]
        rows.append({"Order": label, "People recorded": len(counts),
                     "People with 2 or more breaches": len(repeat),
                     "Breaches by them": int(repeat.sum())})
    return pd.DataFrame(rows)


def _notes(full: pd.DataFrame, log: pd.DataFrame) -> pd.DataFrame:
    """What the reader needs told: breaches of the export outside the period, left out,
    and wards logged under their names from before a boundary change."""
    notes = []
    if outside := int((~full["_in_period"]).sum()):  # how many only: their dates are personal
        notes.append(f"{outside:,} rows of the log fall outside the period, or have no date, "
                     "and are left out.")
    renamed = log.loc[log["_ward_was"].notna(), ["_ward_was", "ward"]].value_counts()
    notes += [f"{n:,} breach{'es' if n > 1 else ''} logged in {was} counted in {ward}, the "
              "ward that replaced it in a boundary change." for (was, ward), n in
              sorted(renamed.items())]
    return pd.DataFrame({"note": notes}, dtype=object)


def assemble(sources: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    orders = ctx.config.in_force(ctx)
    order_names = {o.id: o.name for o in orders}
    full = sources["enforcement-log"]
    inside = full[full["_in_period"]]
    log = _prepared(inside, ctx)

    conditions = pd.DataFrame(
        [(o.id, c.id, o.name, c.name, f"s.{c.section[1:]}") for o in orders
         for c in o.conditions],
        columns=["order", "condition", "Order", "Condition", "Section"])
    counts = _crosstab(log, ["order", "condition"], "month", ctx.period.months, {})
    counts = counts.astype({"order": str, "condition": str})
    by_cond = conditions.merge(counts, how="left", on=["order", "condition"])
    by_cond = by_cond.drop(columns=["order", "condition"]).fillna(0)
    by_cond = _with_totals(by_cond, ["Order", "Condition", "Section"])

    wards = sorted(set(log["ward"].cat.categories) | {w for o in orders for w in o.wards})
    by_ward = _crosstab(log, ["ward"], "order", list(order_names), order_names)
    by_ward = by_ward.set_index("ward").reindex(wards, fill_value=0).rename_axis("Ward")
    by_ward = _with_totals(by_ward.reset_index(), ["Ward"])

    names = ctx.config.outcome_names
    if (log["outcome"] == UNKNOWN_OUTCOME).any():
        names = {**names, UNKNOWN_OUTCOME: UNKNOWN_OUTCOME}
    outcomes = _crosstab(log, ["order"], "outcome", list(names), names)
    outcomes = outcomes.set_index("order").reindex(list(order_names), fill_value=0)
    outcomes = outcomes.rename(index=order_names).rename_axis("Order").reset_index()
    outcomes = _with_totals(outcomes, ["Order"])

    trend = _crosstab(log, ["month"], "order", list(order_names), order_names)
    trend = trend.set_index("month").reindex(ctx.period.months, fill_value=0)
    trend = _with_totals(trend.rename_axis("Month").reset_index(), ["Month"])

    sums = log.groupby("order", observed=True).agg(
        Breaches=("fpn", "size"), fpns=("fpn", "sum"), after=("prosecuted_after_fpn", "sum"),
        late=("out_of_time", "sum"), income=("income", "sum")
    ).reindex(list(order_names), fill_value=0)
    totals = pd.DataFrame({
        "Order": list(order_names.values()),
        "Breaches": sums["Breaches"].astype(int).to_numpy(),
        "FPNs issued": sums["fpns"].astype(int).to_numpy(),
        "Prosecuted after FPN": sums["after"].astype(int).to_numpy(),
        "FPNs unpaid after 6 months": sums["late"].astype(int).to_numpy(),
        "FPN income (GBP)": sums["income"].astype(float).to_numpy(),
    })
    return {"order_totals": totals, "by_condition_month": by_cond, "by_ward": by_ward,
            "outcomes": outcomes, "trend": trend,
            "repeat_breachers": _repeat_breachers(log, order_names),
            NOTES: _notes(full, inside)}


def reconcile(tables: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    """Per order: the order total beside the same total reached through each other table."""
    totals = tables["order_totals"].set_index("Order")
    names = list(totals.index)

    def column_totals(name: str) -> pd.Series:
        table = tables[name]
        return table[table.iloc[:, 0] != "Total"][names].sum()

    outcome_names = ctx.config.outcome_names
    outcomes = tables["outcomes"].set_index("Order").loc[names]
    fpn_outcomes = outcomes[[outcome_names[o] for o in FPN_OUTCOMES]].sum(axis=1)
    frame = pd.DataFrame({
        "order": names,
        "breaches": totals["Breaches"].to_numpy(),
        "by_condition": tables["by_condition_month"].groupby("Order")["Total"].sum()
        .reindex(names, fill_value=0).to_numpy(),
        "by_ward": column_totals("by_ward").to_numpy(),
        "by_month": column_totals("trend").to_numpy(),
        "by_outcome": outcomes["Total"].to_numpy(),
        "fpns_issued": totals["FPNs issued"].to_numpy(),
        "fpns_accounted": (fpn_outcomes + totals["Prosecuted after FPN"]).to_numpy(),
        "prosecuted_after_fpn": totals["Prosecuted after FPN"].to_numpy(),
        "prosecuted": outcomes[outcome_names[PROSECUTION]].to_numpy(),
    })
    in_period = int(totals["Breaches"].sum())
    return {"reconciliation": frame,
            "rows-in-period": pd.DataFrame({"log": ["breaches in the period"],
                                            "rows": [in_period]})}


def headline(tables: Mapping[str, pd.DataFrame], ctx: Context) -> list[tuple[str, str]]:
    """The public paper's headline: repeat breachers are in its exempt part."""
    totals = tables["order_totals"]
    lines = [("Breaches recorded", f"{int(totals['Breaches'].sum()):,}")]
    lines += [(f"  {row.Order}", f"{row.Breaches:,}") for row in totals.itertuples()]
    lines += [("Fixed penalty notices issued", f"{int(totals['FPNs issued'].sum()):,}")]
    return lines


BREACHES = Disclosure("events", "breaches")
OPEN = {"audiences": (BOARD, PUBLICATION)}
"""On the board's paper and in open data: breaches are events, published as counted (the
evidence for renewing an order)."""

DECLARATION = ReturnDeclaration(
    id="pspo-breaches",
    title="PSPO breach counts",
    owner="Community Safety Team",
    recipient="Community Safety Partnership board; open data portal",
    period_types=(PeriodType.ROLLING_12, PeriodType.QUARTER, PeriodType.FINANCIAL_YEAR,
                  PeriodType.MONTH),
    deadline="10 working days after the end of the period",
    sign_off=True,
    delivers=PUBLICATION,
    description="Breaches of Public Spaces Protection Orders by order, condition, ward, "
                "outcome and month: evidence for renewing an order.",
    sources=(ENFORCEMENT_LOG,),
    tables=(
        Table("order_totals", "Breaches and fixed penalties by order", ("Order",),
              **OPEN, disclosure=Disclosure("events", "breaches and fixed penalty notices")),
        Table("by_condition_month", "Breaches by order, condition and month",
              ("Order", "Condition", "Section"), disclosure=BREACHES),
        Table("by_ward", "Breaches by ward and order", ("Ward",), **OPEN, disclosure=BREACHES),
        Table("outcomes", "Outcomes by order", ("Order",), **OPEN,
              disclosure=Disclosure("events", "breaches by their outcome")),
        Table("trend", "Breaches by month and order", ("Month",), **OPEN,
              disclosure=BREACHES),
        Table("repeat_breachers", "Repeat breachers (people with 2 or more breaches)",
              ("Order",), audiences=(EXEMPT,), disclosure=Disclosure("people", "people"),
              note="People are matched on name and date of birth, which are never shown. A "
                   "person may breach more than one order."),
    ),
    assemble=assemble,
    reconcile=reconcile,
    configure=Orders.model_validate,
    headline=headline,
    chart=Chart("trend", "Month", (), "Breaches by month"),
)

__getattr__ = flow_on_demand(DECLARATION, globals())

if __name__ == "__main__":
    from flows.skeleton import run_from_command_line

    run_from_command_line(DECLARATION)

"""Domestic Abuse Act 2021, Part 4 duty: the annual return on support in safe accommodation.

Tier-one authorities must provide support to victims of domestic abuse and their children in
safe accommodation. Each commissioned provider sends a monitoring return every quarter (one
file per provider and quarter, one row per accommodation type it runs); the Domestic Abuse
Hub logs its contacts by month. The providers and the quarter-on-quarter change that raises
a query come from ``config/authorities/<authority>/part4-duty.toml``.

The department asks for the households and people supported in the year, each once, though
a household in refuge for months is in several quarters' returns. So a quarter's row gives
the households it supported (its caseload) and, of those, the households whose support began
in it; the first quarter's also gives those continuing from the year before. The year counts
the new ones and the continuing ones, and the people and characteristics a row gives are
those of exactly these households. A provider whose caseload does not follow from the
quarter before (less those whose support ended, plus the new) is queried (DA-R05).

The figures count victims and children (special category data): published tables withhold
small counts and are rounded to the nearest 10, as the national release is.

Run on its own: ``python flows/part4_duty.py 2025/26``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, field_validator, model_validator

from flows.on_demand import flow_on_demand
from statreturns.declaration import (
    BOARD,
    PUBLICATION,
    SUBMISSION,
    TOTAL,
    Chart,
    Column,
    Context,
    Disclosure,
    ReturnDeclaration,
    Source,
    Table,
)
from statreturns.matching import canonical, flag, key, times
from statreturns.periods import MONTH_NAMES, Period, PeriodType
from tasks.read import FILE

TYPE = "Accommodation type"
ROUND_TO = 10  # the national release rounds every published count to the nearest 10
ACCOMMODATION = {  # id -> name in the national return
    "refuge": "Refuge",
    "specialist": "Specialist safe accommodation",
    "dispersed": "Dispersed accommodation",
    "sanctuary-scheme": "Sanctuary scheme",
    "second-stage": "Second-stage / move-on",
    "other": "Other designated accommodation",
}
ALSO_WRITTEN = {"sanctuary": "sanctuary-scheme", "move on": "second-stage",
                "other designated": "other"}
REFERRALS = {"referrals_received": "Referrals received",
             "referrals_accepted": "Referrals accepted"}
DECLINED = {"declined_capacity": "No capacity", "declined_unsuitable": "Unsuitable",
            "declined_other": "Other reason"}
CONTINUING, NEW = "households_continuing", "households_new"
HOUSEHOLDS = ["households_supported", CONTINUING, NEW]
IN_YEAR = "households_in_year"
"""Households counted for the year in a row: new, and in the first quarter continuing."""
IN_THE_YEAR = "In the year"
PEOPLE = {"women": "Women", "men": "Men", "trans": "Trans", "sex_not_known": "Sex not known",
          "children": "Children"}
CHARACTERISTICS = {"disabled": "Disabled", "lgbt": "LGBT+", "minority_ethnic": "Minority ethnic",
                   "no_recourse_to_public_funds": "No recourse to public funds"}
NOT_KNOWN = {f"{c}_not_known": f"{label}: not known" for c, label in CHARACTERISTICS.items()}
STOPPED = {  # why support ended, in the department's categories
    "stopped_no_longer_needed": "No longer needed",
    "stopped_referred_elsewhere": "Referred elsewhere",
    "stopped_chose_to_leave": "Chose to leave",
    "stopped_asked_to_leave": "Asked to leave",
    "stopped_lost_contact": "Lost contact",
    "stopped_other": "Other reason",
    "stopped_not_known": "Reason not known",
}
MOVED_TO = {  # where a household went when its support ended, in the department's categories
    "moved_to_own_home": "Own home",
    "moved_to_social_housing": "Social housing",
    "moved_to_private_rented": "Private rented housing",
    "moved_to_safe_accommodation": "Other safe accommodation",
    "moved_to_temporary": "Temporary accommodation",
    "moved_to_family_or_friends": "Family or friends",
    "moved_to_other": "Other destination",
    "moved_to_not_known": "Destination not known",
}
FIGURES = ["bedspaces", *REFERRALS, *DECLINED, *HOUSEHOLDS, *PEOPLE, "individuals",
           *CHARACTERISTICS, *NOT_KNOWN, "households_stopped", *STOPPED, *MOVED_TO]
"""Every figure of a provider's row, in the order of its columns."""
VOLUNTARY = [*CHARACTERISTICS, *NOT_KNOWN]
"""Figures a row may leave blank; every other is mandatory (households continuing from the
year before only in the first quarter)."""
FILE_NAME = re.compile(r"^(?P<provider>.+?)[-_ ](?P<quarter>\d{4}-Q[1-4])\.\w+$", re.IGNORECASE)


TYPE_KEYS = {key(t): name for i, name in ACCOMMODATION.items() for t in (i, name)} | {
    k: ACCOMMODATION[i] for k, i in ALSO_WRITTEN.items()}
"""Every way an accommodation type may be written (as compared) -> its name."""


def quarters(year: Period) -> list[str]:
    """The financial year's quarters, written 2025-Q1 to 2025-Q4."""
    return [f"{year.start.year}-Q{q}" for q in range(1, 5)]


def households_in_year(rows: pd.DataFrame, year: Period) -> pd.Series:
    """The households each row counts for the year, so that the year counts each once: those
    newly supported in its quarter and, in the first quarter, those continuing from the year
    before (a later quarter's households carried in were counted in the quarter they began,
    so a figure continuing given there is not counted)."""
    first = rows["quarter"].eq(quarters(year)[0]).fillna(False).astype(bool)
    return rows[NEW] + rows[CONTINUING].where(first, 0)


# --- configuration: the commissioned providers ---------------------------------------------

class Provider(BaseModel):
    id: str
    name: str
    accommodation: list[str] = Field(min_length=1)
    """The accommodation types it runs (ids of ACCOMMODATION)."""

    @field_validator("accommodation")
    @classmethod
    def _known(cls, types: list[str]) -> list[str]:
        unknown = [t for t in types if t not in ACCOMMODATION]
        if unknown:
            raise ValueError(f"unknown accommodation {', '.join(unknown)}; "
                             f"use {', '.join(ACCOMMODATION)}")
        return types


class Part4Settings(BaseModel):
    change_ratio: float = Field(2.0, gt=1)
    """A provider's households supported changing by more than this factor from one
    quarter to the next is a query."""
    providers: list[Provider] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> Part4Settings:
        keys = [k for p in self.providers for k in {key(p.id), key(p.name)}]
        if len(set(keys)) != len(keys):
            raise ValueError("providers' ids and names must all differ")
        return self

    @property
    def names(self) -> dict[str, str]:
        return {p.id: p.name for p in self.providers}


# --- rules' helper columns ----------------------------------------------------------------

def _provider_keys(cfg: Part4Settings) -> dict[str, str]:
    return {key(t): p.id for p in cfg.providers for t in (p.id, p.name)}


def _at_most(smaller: pd.Series, larger: pd.Series) -> pd.Series:
    return flag(smaller.notna() & larger.notna(), smaller <= larger)


def _add_up(parts: pd.DataFrame, whole: pd.Series) -> pd.Series:
    """The parts, all given, add up to the whole."""
    return flag(parts.notna().all(axis=1) & whole.notna(), parts.sum(axis=1) == whole)


def _names_where(mask: pd.DataFrame) -> pd.Series:
    """The names of the columns where `mask` holds, for each row; missing where none does."""
    mask = mask.astype("boolean").fillna(False)
    names = [", ".join(mask.columns[row]) for row in mask.to_numpy(dtype=bool)]
    return pd.Series(names, index=mask.index, dtype="string").replace("", pd.NA)


def _known_within_people(out: pd.DataFrame) -> pd.Series:
    """Each characteristic's people, with those for whom it is not known, no more than the
    people supported (blanks count as none; characteristics overlap, so are not added)."""
    answered = out[VOLUNTARY].notna().any(axis=1) & out["individuals"].notna()
    within = [out[c].fillna(0) + out[n].fillna(0) <= out["individuals"]
              for c, n in zip(CHARACTERISTICS, NOT_KNOWN, strict=True)]
    return flag(answered, pd.concat(within, axis=1).all(axis=1))


def derive_monitoring(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Providers by id and accommodation types by name (either written any way), and the
    flags of the rules that need more than one column or the file's name."""
    cfg: Part4Settings = ctx.config
    out = frame.copy()
    out["provider"] = canonical(frame["provider"], _provider_keys(cfg))
    out["quarter"] = frame["quarter"].astype("string").str.strip().str.upper()
    out["accommodation_type"] = canonical(frame["accommodation_type"], TYPE_KEYS)

    named = out[FILE].astype(str).str.extract(FILE_NAME)
    out["_as_named"] = flag(
        named["quarter"].notna() & out["quarter"].notna() & out["provider"].notna(),
        (named["quarter"].str.upper() == out["quarter"])
        & (canonical(named["provider"], _provider_keys(cfg)) == out["provider"]))
    out["_times_reported"] = times(out, ["provider", "quarter", "accommodation_type"])

    first = out["quarter"].eq(quarters(ctx.period)[0]).fillna(False).astype(bool)
    blank = out[FIGURES].isna().drop(columns=VOLUNTARY)
    blank[CONTINUING] &= first
    out["_blank_figures"] = _names_where(blank)
    out["_negative_figures"] = _names_where(out[FIGURES].lt(0))
    out["_continuing_in_first_quarter"] = flag(out["quarter"].notna() & ~first,
                                               out[CONTINUING].fillna(0) == 0)
    counted = households_in_year(out, ctx.period)
    out["_counted_within_supported"] = _at_most(counted, out["households_supported"])
    out["_people_add_up"] = _add_up(out[list(PEOPLE)], out["individuals"])
    out["_households_within_people"] = _at_most(counted, out["individuals"])
    out["_characteristics_within_people"] = _known_within_people(out)
    out["_stopped_within_supported"] = _at_most(out["households_stopped"],
                                                out["households_supported"])
    out["_reasons_add_up"] = _add_up(out[list(STOPPED)], out["households_stopped"])
    out["_destinations_add_up"] = _add_up(out[list(MOVED_TO)], out["households_stopped"])
    out["_referrals_accounted"] = flag(
        out[[*REFERRALS, *DECLINED]].notna().all(axis=1),
        out["referrals_accepted"] + out[list(DECLINED)].sum(axis=1) <= out["referrals_received"])
    runs = {(p.id, ACCOMMODATION[t]) for p in cfg.providers for t in p.accommodation}
    known = out["provider"].isin(cfg.names) & out["accommodation_type"].isin(
        ACCOMMODATION.values())
    out["_type_run"] = flag(known, pd.Series(
        [pair in runs for pair in zip(out["provider"], out["accommodation_type"], strict=True)],
        index=out.index))
    return out


def derive_hub(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Months as written without spaces, how often each is given, and the figures' flags."""
    out = frame.copy()
    out["month"] = frame["month"].astype("string").str.strip()
    out["_times_given"] = times(out, ["month"])
    figures = out[["calls", "webchats", "drop_ins"]]
    out["_figures_given"] = flag(pd.Series(True, index=out.index), figures.notna().all(axis=1))
    out["_not_negative"] = flag(figures.notna().any(axis=1), (figures.fillna(0) >= 0).all(axis=1))
    return out


def suite_parameters(ctx: Context) -> dict:
    return {"providers": [p.id for p in ctx.config.providers], "quarters": quarters(ctx.period),
            "accommodation_types": list(ACCOMMODATION.values()), "months": ctx.period.months}


def _counts(names: Mapping[str, str], what: str) -> tuple[Column, ...]:
    return tuple(Column(n, "integer", description=f"{what}: {label.lower()}")
                 for n, label in names.items())


PROVIDER_MONITORING = Source(
    name="provider-monitoring",
    title="Provider monitoring returns",
    # Counts for a provider, quarter and accommodation type, never a row for a person: not
    # personal data as columns, though what they count is special category (victims and
    # their children, their disability, sexuality and ethnicity). That is why the published
    # tables withhold small counts and round to the nearest 10.
    columns=(
        Column("provider", description="The provider's id or name"),
        Column("quarter", description="The financial year's quarter, written 2025-Q1"),
        Column("accommodation_type", description="Refuge, specialist, dispersed, sanctuary "
                                                 "scheme, second-stage / move-on or other"),
        Column("bedspaces", "integer", description="Bedspaces at the end of the quarter (for a "
                                                   "sanctuary scheme, the homes it can make safe)"),
        *_counts(REFERRALS, "Referrals"),
        *_counts(DECLINED, "Referrals declined"),
        Column("households_supported", "integer",
               description="Households supported in the quarter, however long before it began"),
        Column(CONTINUING, "integer", description="First quarter only: households supported on "
                                                  "1 April whose support began the year before"),
        Column(NEW, "integer", description="Households whose support began in the quarter"),
        *_counts(PEOPLE, "People in the households new in the quarter (first quarter: and "
                         "continuing)"),
        Column("individuals", "integer", description="People in the households new in the "
                                                     "quarter (first quarter: and continuing)"),
        *_counts(CHARACTERISTICS, "Of those people (voluntary; they overlap)"),
        *(Column(n, "integer", description=f"Of those people, those whose answer for "
                                           f"'{CHARACTERISTICS[c]}' is not known (voluntary)")
          for c, n in zip(CHARACTERISTICS, NOT_KNOWN, strict=True)),
        Column("households_stopped", "integer", description="Households whose support ended"),
        *_counts(STOPPED, "Support ended"),
        *_counts(MOVED_TO, "Support ended, moved on to"),
    ),
    derive=derive_monitoring,
    parameters=suite_parameters,
    many=True,
    # A provider reports each accommodation type once a quarter (DA-008).
    key=("provider", "quarter", "accommodation_type"),
)
HUB_CONTACTS = Source(
    name="hub-contacts",
    title="Domestic Abuse Hub contacts",
    # Contacts counted by month: not personal.
    columns=(Column("month", description="The month, written 2025-04"),
             Column("calls", "integer"), Column("webchats", "integer"),
             Column("drop_ins", "integer")),
    derive=derive_hub,
    parameters=suite_parameters,
)


# --- assembly -----------------------------------------------------------------------------

def _by_type(sums: pd.DataFrame, columns: Mapping[str, str], total: bool) -> pd.DataFrame:
    """Accommodation types (all, in the national order) by `columns`, with a Total row and,
    where the columns add up to something, a Total column."""
    table = sums[list(columns)].rename(columns=columns)
    if total:
        table[TOTAL] = table.sum(axis=1)
    table.loc[TOTAL] = table.sum()
    return table.astype("int64").rename_axis(TYPE).reset_index()


def _providers_by_quarter(rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Households supported by provider and quarter, blank where no return came in, and in
    the year, each household counted once."""
    cfg: Part4Settings = ctx.config
    grid = rows.groupby(["provider", "quarter"])["households_supported"].sum(min_count=1)
    table = grid.unstack("quarter").reindex(index=list(cfg.names), columns=quarters(ctx.period))
    table[IN_THE_YEAR] = rows.groupby("provider")[IN_YEAR].sum(min_count=1)
    table = table.astype("Int64").rename(index=cfg.names)
    table.loc[TOTAL] = table.sum(min_count=1)
    return table.rename_axis("Provider").rename_axis(columns=None).reset_index()


def _caseload(rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Each provider's households, quarter by quarter, as its quarters must add up to its
    year: those carried into a quarter (into the first, those continuing from the year
    before; into a later one, those supported the quarter before whose support did not end)
    and those new in it are the households it supported in it."""
    cfg: Part4Settings = ctx.config
    names = quarters(ctx.period)
    grid = pd.MultiIndex.from_product([list(cfg.names), names], names=["provider", "quarter"])
    figures = ["households_supported", "households_stopped", NEW, CONTINUING]
    sums = rows.groupby(["provider", "quarter"])[figures].sum(min_count=1).reindex(grid)
    stayed = sums["households_supported"] - sums["households_stopped"]
    first = grid.get_level_values("quarter") == names[0]
    carried = sums[CONTINUING].where(first, stayed.groupby(level="provider", sort=False).shift())
    counts = pd.DataFrame({"households_carried": carried, "households_new": sums[NEW],
                           "households_expected": carried + sums[NEW],
                           "households_supported": sums["households_supported"]})
    counts = counts.astype("Int64").reset_index(drop=True)
    counts.insert(0, "provider_quarter", [f"{cfg.names[p]} {q}" for p, q in grid])
    return counts


def _bedspaces(rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Bedspaces by accommodation type at the end of each quarter (a stock: the quarters are
    not added together)."""
    names = quarters(ctx.period)
    grid = rows.groupby(["accommodation_type", "quarter"])["bedspaces"].sum().unstack("quarter")
    sums = grid.reindex(index=list(ACCOMMODATION.values()), columns=names).fillna(0)
    sums.columns.name = None
    return _by_type(sums, dict(zip(names, names, strict=True)), total=False)


def _provider_returns(rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Every provider and quarter of the year: how many files and rows it sent."""
    cfg: Part4Settings = ctx.config
    grid = pd.MultiIndex.from_product([list(cfg.names), quarters(ctx.period)])
    sent = rows.groupby(["provider", "quarter"], observed=True)[FILE].agg(
        ["nunique", "size"]).reindex(grid, fill_value=0)
    return pd.DataFrame({
        "provider_quarter": [f"{cfg.names[p]} {q}" for p, q in grid],
        "files": sent["nunique"].astype("int64").to_numpy(),
        "rows": sent["size"].astype("int64").to_numpy(),
    })


def _hub(hub: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    months = ctx.period.months
    counts = hub.groupby("month")[["calls", "webchats", "drop_ins"]].sum(min_count=1)
    table = counts.reindex(months).astype("Int64").rename(
        columns={"calls": "Calls", "webchats": "Webchats", "drop_ins": "Drop-ins"})
    table.index = [f"{MONTH_NAMES[int(m[5:]) - 1]} {m[:4]}" for m in months]
    table.loc[TOTAL] = table.sum(min_count=1)
    return table.rename_axis("Month").reset_index()


def assemble(sources: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    rows = sources["provider-monitoring"]
    rows = rows.assign(**{IN_YEAR: households_in_year(rows, ctx.period)})
    figures = [IN_YEAR, *REFERRALS, *DECLINED, *PEOPLE, *CHARACTERISTICS, *NOT_KNOWN, *STOPPED,
               *MOVED_TO]
    sums = rows.groupby("accommodation_type")[figures].sum().reindex(
        list(ACCOMMODATION.values()), fill_value=0)
    households = {IN_YEAR: "Households supported", **REFERRALS}
    return {
        "households_by_type": _by_type(sums, households, total=False),
        "declined": _by_type(sums, DECLINED, total=True),
        "individuals": _by_type(sums, PEOPLE, total=True),
        "characteristics": _by_type(sums, CHARACTERISTICS, total=False),
        "not_known": _by_type(sums, NOT_KNOWN, total=False),
        "stopped": _by_type(sums, STOPPED, total=True),
        "moved_on": _by_type(sums, MOVED_TO, total=True),
        "bedspaces": _bedspaces(rows, ctx),
        "hub_contacts": _hub(sources["hub-contacts"], ctx),
        "providers_by_quarter": _providers_by_quarter(rows, ctx),
        "_provider_returns": _provider_returns(rows, ctx),
        "_caseload": _caseload(rows, ctx),
    }


def _quarterly_change(by_quarter: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Each provider's households supported in each quarter beside the quarter before, and
    the factor between them (a quarter with none counts as one, so 0 to 7 is 7 times)."""
    body = by_quarter[by_quarter["Provider"] != TOTAL].set_index("Provider")
    names = quarters(ctx.period)
    before = body[names[:-1]].to_numpy(dtype=float, na_value=np.nan)
    now = body[names[1:]].to_numpy(dtype=float, na_value=np.nan)
    change = np.maximum(before, now) / np.maximum(np.minimum(before, now), 1)
    return pd.DataFrame({
        "provider_quarters": [f"{p} {a} to {b}" for p in body.index
                              for a, b in zip(names, names[1:], strict=False)],
        "households_before": pd.array(before.ravel()).astype("Int64"),
        "households_after": pd.array(now.ravel()).astype("Int64"),
        "change": np.round(change.ravel(), 2),
        "allowed_change": ctx.config.change_ratio,
    })


def reconcile(tables: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    """Every provider's return for every quarter, its quarters adding up to its year, no
    quarter out of line with the one before, and the hub's figures for every month."""
    hub = tables["hub_contacts"]
    hub = hub[hub["Month"] != TOTAL]
    return {
        "provider-quarters": tables["_provider_returns"],
        "provider-caseload": tables["_caseload"],
        "quarterly-change": _quarterly_change(tables["providers_by_quarter"], ctx),
        "hub-months": pd.DataFrame({"month": hub["Month"],
                                    "reported": hub["Calls"].notna().astype("int64")}),
    }


def headline(tables: Mapping[str, pd.DataFrame], ctx: Context) -> list[tuple[str, str]]:
    def total(table: str, column: str) -> str:
        frame = tables[table]
        return f"{int(frame.loc[frame.iloc[:, 0] == TOTAL, column].iloc[0]):,}"

    return [("Households supported", total("households_by_type", "Households supported")),
            ("People supported", total("individuals", TOTAL)),
            ("  of whom children", total("individuals", "Children")),
            ("Referrals received", total("households_by_type", "Referrals received")),
            ("  accepted", total("households_by_type", "Referrals accepted")),
            ("Bedspaces at the end of the year", total("bedspaces", quarters(ctx.period)[-1])),
            ("Domestic Abuse Hub calls", total("hub_contacts", "Calls")),
            ("  webchats", total("hub_contacts", "Webchats")),
            ("  drop-ins", total("hub_contacts", "Drop-ins"))]


RETURNED = (BOARD, SUBMISSION, PUBLICATION)
"""The department's tables: on the board's paper, in its data collection exact, and in open
data with small counts withheld and every count rounded, as the national release is."""


def _of(counted: str, of: str) -> dict:
    return {"audiences": RETURNED, "disclosure": Disclosure(counted, of, round_to=ROUND_TO)}


DECLARATION = ReturnDeclaration(
    id="part4-duty",
    title="Domestic Abuse Act 2021 Part 4 duty",
    owner="Community Safety Team (domestic abuse)",
    recipient="Ministry of Housing, Communities and Local Government",
    period_types=(PeriodType.FINANCIAL_YEAR,),
    deadline="30 June after the financial year",
    sign_off=True,
    description="Support for victims of domestic abuse and their children in safe "
                "accommodation: referrals, households and people supported in the year (each "
                "counted once), why support ended and where households moved on, and "
                "bedspaces, by accommodation type, from the commissioned providers' quarterly "
                "returns; and the Domestic Abuse Hub's contacts.",
    sources=(PROVIDER_MONITORING, HUB_CONTACTS),
    tables=(
        Table("households_by_type", "Households supported and referrals by accommodation type",
              (TYPE,), note="A household is counted once in the year: in the quarter its "
                            "support began, or in the first if it began the year before (one "
                            "supported in two accommodation types is counted in each). "
                            "Referrals are added over the providers' four quarterly returns.",
              **_of("households", "households")),
        Table("declined", "Referrals declined by reason", (TYPE,),
              **_of("households", "households referred")),
        Table("individuals", "People supported", (TYPE,),
              note="The people of the households supported in the year, each counted once.",
              **_of("people", "people")),
        Table("characteristics", "People supported with a specialist characteristic", (TYPE,),
              note="A person may have more than one characteristic, so the columns are not "
                   "added together. Answers are voluntary: a blank is not counted.",
              **_of("people", "people")),
        Table("not_known", "People supported whose characteristic is not known", (TYPE,),
              note="Answers are voluntary: a blank is not counted.",
              **_of("people", "people")),
        Table("stopped", "Households whose support ended, by reason", (TYPE,),
              **_of("households", "households")),
        Table("moved_on", "Households whose support ended, by where they moved on to", (TYPE,),
              note="A household supported in its own home (a sanctuary scheme) that stays "
                   "there is counted under 'Own home'.", **_of("households", "households")),
        Table("bedspaces", "Bedspaces by accommodation type at the end of each quarter", (TYPE,),
              audiences=RETURNED, disclosure=Disclosure("figures", "bedspaces"),
              note="Bedspaces are places, not people: published as counted. For a sanctuary "
                   "scheme, the homes it can make safe. The quarters are not added together."),
        Table("hub_contacts", "Domestic Abuse Hub contacts by month", ("Month",),
              audiences=(BOARD, PUBLICATION),
              disclosure=Disclosure("events", "calls, webchats and drop-ins")),
        Table("providers_by_quarter", "Households supported by provider and quarter",
              ("Provider",), note="Quarters of the financial year: Q1 is April to June. A "
                                  "household supported in more than one quarter is counted "
                                  "in each, and once in the year."),
    ),
    assemble=assemble,
    reconcile=reconcile,
    configure=Part4Settings.model_validate,
    headline=headline,
    chart=Chart("households_by_type", TYPE, ("Referrals received", "Households supported"),
                "Referrals and households supported by accommodation type"),
)

__getattr__ = flow_on_demand(DECLARATION, globals())

if __name__ == "__main__":
    from flows.skeleton import run_from_command_line

    run_from_command_line(DECLARATION)

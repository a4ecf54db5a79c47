"""Prevent duty benchmarks: the Home Office's yearly assessment of a funded authority.

Counter-Terrorism and Security Act 2015. Each benchmark has two ratings a year from the
authority's rating scale: the authority's self-assessment, which needs evidence from the
year when it is high enough, and the Home Office's assessed rating, which the register
holds once the Home Office has given it. Funded-project monitoring and referral figures go
alongside; the Channel panel discusses and adopts referrals of earlier quarters, so its
figures are compared over the year. The benchmarks, the scale and the funded projects come
from ``config/authorities/<authority>/prevent-benchmarks.toml``.

Run on its own: ``python flows/prevent_benchmarks.py 2025/26``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from pydantic import BaseModel, Field, field_validator, model_validator

from flows.on_demand import flow_on_demand
from statreturns.declaration import (
    BOARD,
    NOT_AVAILABLE,
    PUBLICATION,
    STATES,
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
from statreturns.periods import Period, PeriodType

FINANCIAL_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
NOT_RATED = "Not rated"
"""A self-assessment the register does not hold for a benchmark and year."""
UNAVAILABLE = STATES[NOT_AVAILABLE][0]
"""[x]: a Home Office rating the register does not hold (the year is not yet assessed),
and a change from last year that cannot be worked out. Never a rating."""
REFERRAL_FIGURES = {"referrals": "Referrals", "discussed_at_panel": "Discussed at Channel panel",
                    "adopted_as_channel_cases": "Adopted as Channel cases"}


@dataclass(frozen=True)
class Rating:
    """One of a benchmark's two ratings: its column in the register, its tables' headings."""

    column: str
    label: str
    missing: str
    """Shown where the register holds no such rating for the benchmark and year."""

    @property
    def headings(self) -> tuple[str, str, str]:
        """The benchmarks table's columns: this year's rating, last year's, the change."""
        return (f"{self.label} this year", f"{self.label} last year", f"{self.label} change")


SELF_ASSESSMENT = Rating("self_assessment", "Self-assessment", NOT_RATED)
HOME_OFFICE = Rating("home_office_rating", "Home Office rating", UNAVAILABLE)
RATINGS = (SELF_ASSESSMENT, HOME_OFFICE)


# --- configuration ------------------------------------------------------------------------

def is_financial_year(text: object) -> bool:
    """Written like 2025/26, the second year following the first."""
    match = FINANCIAL_YEAR.match(text) if isinstance(text, str) else None
    return bool(match) and int(match[2]) == (int(match[1]) + 1) % 100




def _word_of(text: str) -> str:
    """A rating word as compared: lower case, single spaces."""
    return " ".join(text.lower().split())


def _unique(kind: str, values: list[str]) -> None:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{kind} named more than once: {', '.join(repeated)}")


class Named(BaseModel):
    id: str
    name: str


class Project(Named):
    funded: list[str] = Field(min_length=1)
    """The financial years the Home Office funds the project, written 2025/26."""

    @field_validator("funded")
    @classmethod
    def _years(cls, years: list[str]) -> list[str]:
        bad = [y for y in years if not is_financial_year(y)]
        if bad:
            raise ValueError(f"funded years must be written like 2025/26, not {', '.join(bad)}")
        return years


class Benchmarks(BaseModel):
    rating_scale: list[str] = Field(min_length=2)
    """The words a benchmark may be rated with, lowest first."""
    evidence_from: str
    """The lowest rating that needs evidence dated inside the year."""
    benchmarks: list[Named] = Field(min_length=1)
    projects: list[Project] = Field(min_length=1)

    @field_validator("rating_scale")
    @classmethod
    def _words(cls, scale: list[str]) -> list[str]:
        scale = [_word_of(word) for word in scale]
        _unique("rating", scale)
        return scale

    @field_validator("evidence_from")
    @classmethod
    def _word(cls, word: str) -> str:
        return _word_of(word)

    @model_validator(mode="after")
    def _consistent(self) -> Benchmarks:
        if self.evidence_from not in self.rating_scale:
            raise ValueError(f"evidence_from '{self.evidence_from}' is not on the rating scale")
        for kind, items in (("benchmark", self.benchmarks), ("project", self.projects)):
            _unique(kind, [k for i in items for k in {key(i.id), key(i.name)}])
        return self

    @property
    def ranks(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.rating_scale)}

    def funded(self, year: str) -> list[Project]:
        return [p for p in self.projects if year in p.funded]


def quarters(year: Period) -> list[str]:
    """The financial year's quarters, written 2025-Q1 to 2025-Q4."""
    return [f"{year.start.year}-Q{q}" for q in range(1, 5)]


# --- rules' helper columns ----------------------------------------------------------------

def _canonical(values: pd.Series, items: list[Named]) -> pd.Series:
    """Each id or name written as the item's name; anything else as it was."""
    return canonical(values, {key(t): i.name for i in items for t in (i.id, i.name)})






def _year_flags(out: pd.DataFrame) -> pd.Series:
    valid = out["year"].map(is_financial_year).astype(bool)
    out["_year_valid"] = flag(pd.Series(True, index=out.index), valid)
    return valid


def _figure_flags(out: pd.DataFrame, columns: list[str]) -> None:
    figures = out[columns]
    out["_figures_given"] = flag(pd.Series(True, index=out.index), figures.notna().all(axis=1))
    out["_not_negative"] = flag(figures.notna().any(axis=1), (figures.fillna(0) >= 0).all(axis=1))


def derive_ratings(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Benchmarks by name, both ratings in lower case, and how often each benchmark is named
    in a year."""
    out = frame.copy()
    _year_flags(out)
    out["benchmark"] = _canonical(frame["benchmark"], ctx.config.benchmarks)
    for rating in RATINGS:
        out[rating.column] = frame[rating.column].astype("string").str.lower().str.replace(
            r"\s+", " ", regex=True)
    out["_times_rated"] = times(out, ["year", "benchmark"])
    return out


def derive_evidence(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Benchmarks by name, and whether each item is dated inside the year it is listed for."""
    out = frame.copy()
    valid = _year_flags(out)
    out["benchmark"] = _canonical(frame["benchmark"], ctx.config.benchmarks)
    starts = pd.to_datetime(out["year"].where(valid).str[:4] + "-04-01")
    ends = starts + pd.DateOffset(years=1)
    when = out["evidence_date"]
    out["_dated_in_year"] = flag(valid & when.notna(), (when >= starts) & (when < ends))
    return out


def derive_projects(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Projects by name, quarters in capitals, and the figures' flags."""
    cfg: Benchmarks = ctx.config
    out = frame.copy()
    out["project"] = _canonical(frame["project"], cfg.projects)
    out["quarter"] = frame["quarter"].astype("string").str.upper()
    funded = [p.name for p in cfg.funded(str(ctx.period))]
    out["_funded_in_year"] = flag(out["project"].isin([p.name for p in cfg.projects]),
                                   out["project"].isin(funded))
    out["_times_reported"] = times(out, ["project", "quarter"])
    _figure_flags(out, ["workshops", "participants"])
    out["_participants_cover_workshops"] = flag(
        (out["workshops"] > 0) & out["participants"].notna(),
        out["participants"] >= out["workshops"])
    return out


def derive_referrals(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Quarters in capitals, and the figures' flags. A quarter's figures are not compared
    with each other: the panel discusses and adopts referrals of earlier quarters."""
    out = frame.copy()
    out["quarter"] = frame["quarter"].astype("string").str.upper()
    _figure_flags(out, list(REFERRAL_FIGURES))
    return out


def suite_parameters(ctx: Context) -> dict:
    cfg: Benchmarks = ctx.config
    return {"benchmarks": [b.name for b in cfg.benchmarks], "ratings": cfg.rating_scale,
            "projects": [p.name for p in cfg.projects], "quarters": quarters(ctx.period),
            "period_end": pd.Timestamp(ctx.period.end)}


YEAR = Column("year", description="The financial year, written like 2025/26")
BENCHMARK = Column("benchmark", description="The benchmark (its id or name)")
QUARTER = Column("quarter", description="The financial year's quarter, written 2025-Q1")

BENCHMARK_RATINGS = Source(
    name="benchmark-ratings",
    title="Benchmark ratings register",
    # Ratings of the authority's work; its owners are job titles: not personal.
    columns=(
        Column("authority", description="The authority the register is kept by"),
        YEAR, BENCHMARK,
        Column("self_assessment", description="The authority's own rating: a word from "
                                              "the rating scale, e.g. exceeding"),
        Column("home_office_rating", states=(NOT_AVAILABLE,),
               description="The Home Office's assessed rating, from the same scale; blank "
                           "(or [x]) until the Home Office has assessed the year"),
        Column("owner", description="The job title answerable for the benchmark (not a name)"),
        Column("narrative", description="Why the rating was given"),
    ),
    derive=derive_ratings,
    parameters=suite_parameters,
)
BENCHMARK_EVIDENCE = Source(
    name="benchmark-evidence",
    title="Benchmark evidence",
    # Documents of the authority's work (minutes, plans, training logs): not personal.
    columns=(YEAR, BENCHMARK, Column("evidence_date", "date"),
             Column("document_reference", description="Where the document is kept"),
             Column("description")),
    derive=derive_evidence,
    parameters=suite_parameters,
)
PROJECT_MONITORING = Source(
    name="project-monitoring",
    title="Funded-project monitoring",
    # Workshops and participants counted by project and quarter: not personal.
    columns=(Column("project", description="The funded project (its id or name)"), QUARTER,
             Column("workshops", "integer"), Column("participants", "integer"),
             Column("settings", description="Where the workshops were held, e.g. schools"),
             Column("themes", description="What the workshops covered")),
    derive=derive_projects,
    parameters=suite_parameters,
)
REFERRALS = Source(
    name="referrals",
    title="Prevent referrals and Channel cases",
    # People referred, discussed and adopted, counted by quarter, never a row for a person:
    # not personal data as columns, though a referral is special category (art. 10). That
    # is why the published table withholds small counts.
    columns=(QUARTER,
             Column("referrals", "integer", description="People referred to Prevent"),
             Column("discussed_at_panel", "integer",
                    description="Referrals discussed at the Channel panel in the quarter, "
                                "made in it or earlier"),
             Column("adopted_as_channel_cases", "integer",
                    description="Referrals adopted as Channel cases in the quarter, "
                                "discussed in it or earlier")),
    derive=derive_referrals,
    parameters=suite_parameters,
)


# --- assembly -----------------------------------------------------------------------------

def _capitalised(word: str) -> str:
    return word[0].upper() + word[1:]


def _shown(rating: object, missing: str) -> str:
    return missing if pd.isna(rating) else _capitalised(str(rating))


def _change(now: float, before: float) -> str:
    """How a rating's rank moved since last year: new where it had none then, not
    available where it has none now."""
    if pd.isna(now):
        return UNAVAILABLE
    if pd.isna(before):
        return "new"
    return "up" if now > before else "down" if now < before else "same"


def _with_total(table: pd.DataFrame, label: str) -> pd.DataFrame:
    """A Total row under a table of counts, whose first column is `label`."""
    total = {label: TOTAL, **table.drop(columns=label).sum().to_dict()}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def _ratings_of(ratings: pd.DataFrame, year: str, names: list[str], column: str) -> pd.Series:
    rated = ratings[ratings["year"] == year].drop_duplicates("benchmark")
    return rated.set_index("benchmark")[column].reindex(names)


def _counts(rated: pd.Series, scale: list[str]) -> list:
    """Benchmarks by rating and in all; not available ([x]) where none is rated: a year the
    Home Office has not yet assessed has no ratings to count, not ratings of none."""
    if rated.isna().all():
        return [UNAVAILABLE] * (len(scale) + 1)
    counts = rated.value_counts().reindex(scale, fill_value=0).tolist()
    return [*counts, sum(counts)]


def _evidence_items(evidence: pd.DataFrame, ctx: Context) -> pd.Series:
    """The items listed for the year and dated inside it, by benchmark."""
    dated = evidence["evidence_date"].between(pd.Timestamp(ctx.period.start),
                                              pd.Timestamp(ctx.period.end))
    return evidence[dated & (evidence["year"] == str(ctx.period))].groupby("benchmark").size()


def _benchmarks(sources: Mapping[str, pd.DataFrame], ctx: Context
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each benchmark's two ratings this year and last with their changes, and the
    benchmarks counted by rating."""
    cfg: Benchmarks = ctx.config
    names = [b.name for b in cfg.benchmarks]
    register = sources["benchmark-ratings"]
    benchmarks = pd.DataFrame({"Benchmark": names})
    changes = pd.DataFrame({"Rating": [*map(_capitalised, cfg.rating_scale), TOTAL]})
    for rating in RATINGS:
        now = _ratings_of(register, str(ctx.period), names, rating.column)
        before = _ratings_of(register, str(ctx.period.previous()), names, rating.column)
        this_year, last_year, change = rating.headings
        benchmarks[this_year] = [_shown(r, rating.missing) for r in now]
        benchmarks[last_year] = [_shown(r, rating.missing) for r in before]
        benchmarks[change] = [_change(a, b) for a, b in zip(
            now.map(cfg.ranks), before.map(cfg.ranks), strict=True)]
        changes[last_year] = _counts(before, cfg.rating_scale)
        changes[this_year] = _counts(now, cfg.rating_scale)
    items = _evidence_items(sources["benchmark-evidence"], ctx)
    benchmarks["Evidence items in year"] = items.reindex(names, fill_value=0).astype(
        "int64").to_numpy()
    return benchmarks, changes


def _projects(monitoring: pd.DataFrame, ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Funded projects by quarter (a quarter not reported is left blank), and their totals."""
    funded = [p.name for p in ctx.config.funded(str(ctx.period))]
    grid = pd.MultiIndex.from_product([funded, quarters(ctx.period)], names=["Project", "Quarter"])
    by_quarter = monitoring.drop_duplicates(["project", "quarter"]).set_index(
        ["project", "quarter"]).reindex(grid)
    by_quarter = by_quarter[["settings", "themes", "workshops", "participants"]].rename(
        columns=str.capitalize).reset_index()
    per_project = by_quarter.groupby("Project", sort=False).agg(
        Workshops=("Workshops", "sum"), Participants=("Participants", "sum"),
        reported=("Workshops", "count")).reindex(funded).fillna(0)
    projects = pd.DataFrame({"Project": funded,
                             "Workshops": per_project["Workshops"].to_numpy(),
                             "Participants": per_project["Participants"].to_numpy(),
                             "Quarters reported": per_project["reported"].to_numpy()})
    return by_quarter, _with_total(projects, "Project").astype(
        {c: "int64" for c in projects.columns[1:]})


def assemble(sources: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    benchmarks, rating_changes = _benchmarks(sources, ctx)
    project_quarters, projects = _projects(sources["project-monitoring"], ctx)
    figures = sources["referrals"].drop_duplicates("quarter").set_index("quarter")
    referrals = figures[list(REFERRAL_FIGURES)].reindex(quarters(ctx.period)).astype("Int64")
    referrals = referrals.rename(columns=REFERRAL_FIGURES).rename_axis("Quarter").reset_index()
    return {"benchmarks": benchmarks, "rating_changes": rating_changes, "projects": projects,
            "project_quarters": project_quarters, "referrals": _with_total(referrals, "Quarter")}


def _channel_year(referrals: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """The year's Channel cases: discussed at the panel, adopted, and discussed but not
    adopted. Compared over the year only: a quarter's panel adopts cases it first discussed
    in an earlier quarter."""
    total = referrals.set_index("Quarter").loc[TOTAL]
    discussed = total[REFERRAL_FIGURES["discussed_at_panel"]]
    adopted = total[REFERRAL_FIGURES["adopted_as_channel_cases"]]
    return pd.DataFrame({"year": [str(ctx.period)], "discussed_at_panel": [discussed],
                         "adopted_as_channel_cases": [adopted],
                         "discussed_not_adopted": [discussed - adopted]})


def reconcile(tables: Mapping[str, pd.DataFrame], ctx: Context) -> dict[str, pd.DataFrame]:
    """Per benchmark, per funded project and quarter, per quarter and over the year: what
    must be there and what must agree."""
    cfg: Benchmarks = ctx.config
    benchmarks = tables["benchmarks"]
    this_year, last_year, _ = SELF_ASSESSMENT.headings
    now = benchmarks[this_year].str.lower().map(cfg.ranks)
    before = benchmarks[last_year].str.lower().map(cfg.ranks)
    needs_evidence = now >= cfg.ranks[cfg.evidence_from]
    coverage = pd.DataFrame({
        "benchmark": benchmarks["Benchmark"],
        "self_assessment_last_year": benchmarks[last_year],
        "self_assessment_this_year": benchmarks[this_year],
        "evidence_items_in_year": benchmarks["Evidence items in year"],
        "rated": now.notna().astype("int64"),
        "evidence_items_for_rating": benchmarks["Evidence items in year"]
        .where(needs_evidence).astype("Int64"),
        "change_since_last_year": (now - before).astype("Int64"),
    })
    by_quarter = tables["project_quarters"]
    project_quarters = pd.DataFrame({
        "project_quarter": by_quarter["Project"] + " " + by_quarter["Quarter"],
        "reported": by_quarter["Workshops"].notna().astype("int64"),
    })
    referrals = tables["referrals"][tables["referrals"]["Quarter"] != TOTAL]
    referral_quarters = pd.DataFrame({"quarter": referrals["Quarter"],
                                      "given": referrals["Referrals"].notna().astype("int64")})
    return {"benchmark-coverage": coverage, "project-quarters": project_quarters,
            "referral-quarters": referral_quarters,
            "channel-year": _channel_year(tables["referrals"], ctx)}


def _rating_lines(benchmarks: pd.DataFrame, rating: Rating, cfg: Benchmarks
                  ) -> list[tuple[str, str]]:
    """How many benchmarks have the rating needing evidence or better, how many each higher
    rating, and how many fell since last year; not yet assessed where none is rated."""
    this_year, _, change = rating.headings
    ranks = benchmarks[this_year].str.lower().map(cfg.ranks)
    if ranks.isna().all():
        return [(rating.label, "not yet assessed")]
    needs_evidence = cfg.ranks[cfg.evidence_from]
    lines = [(f"{rating.label}: {cfg.evidence_from} or better",
              f"{int((ranks >= needs_evidence).sum())} of {len(benchmarks)}")]
    lines += [(f"  {_capitalised(word)}", str(int((ranks == rank).sum())))
              for word, rank in cfg.ranks.items() if rank > needs_evidence][::-1]
    return [*lines, (f"{rating.label}: lower than last year",
                     str(int((benchmarks[change] == "down").sum())))]


def headline(tables: Mapping[str, pd.DataFrame], ctx: Context) -> list[tuple[str, str]]:
    lines = [line for rating in RATINGS
             for line in _rating_lines(tables["benchmarks"], rating, ctx.config)]
    projects = tables["projects"].set_index("Project")
    referrals = tables["referrals"].set_index("Quarter").loc[TOTAL]
    adopted = REFERRAL_FIGURES["adopted_as_channel_cases"]
    return [*lines,
            ("Funded projects", str(len(projects) - 1)),
            ("Workshops delivered", f"{int(projects.at[TOTAL, 'Workshops']):,}"),
            ("Participants", f"{int(projects.at[TOTAL, 'Participants']):,}"),
            ("Referrals to Prevent", f"{int(referrals['Referrals']):,}"),
            (f"  {adopted}", f"{int(referrals[adopted]):,}")]


DECLARATION = ReturnDeclaration(
    id="prevent-benchmarks",
    title="Prevent duty benchmarks",
    owner="Community Safety Team (Prevent)",
    recipient="Home Office",
    period_types=(PeriodType.FINANCIAL_YEAR,),
    deadline="last working day of November after the financial year",
    sign_off=True,
    description="Each Prevent duty benchmark's self-assessment, Home Office rating and "
                "evidence, the funded projects' workshops and participants, and referrals "
                "to Prevent and Channel.",
    sources=(BENCHMARK_RATINGS, BENCHMARK_EVIDENCE, PROJECT_MONITORING, REFERRALS),
    tables=(
        Table("benchmarks", "Benchmark ratings: self-assessment and Home Office rating",
              ("Benchmark", *(h for rating in RATINGS for h in rating.headings)),
              key=("Benchmark",), audiences=(BOARD, SUBMISSION, PUBLICATION),
              note="The self-assessment is the council's rating of its own work; the Home "
                   f"Office rating is the Home Office's, {UNAVAILABLE} (not available) until "
                   "the Home Office has assessed the year. Each change compares a rating with "
                   "the same one last year: new where the benchmark did not have it then. "
                   "Evidence items are those dated inside the financial year."),
        Table("rating_changes", "Benchmarks by rating, self-assessed and by the Home Office, "
              "this year and last", ("Rating",)),
        Table("projects", "Home Office-funded projects", ("Project",),
              audiences=(BOARD, SUBMISSION, PUBLICATION),
              disclosure=Disclosure("events", "workshops, and the places taken at them"),
              note="Quarters reported are of the year's four; the Total row counts "
                   "project-quarters."),
        Table("project_quarters", "Funded projects by quarter",
              ("Project", "Quarter", "Settings", "Themes"), key=("Project", "Quarter")),
        Table("referrals", "Referrals to Prevent and Channel cases by quarter", ("Quarter",),
              audiences=(BOARD, SUBMISSION), disclosure=Disclosure("people", "people"),
              note="Quarters of the financial year: Q1 is April to June. Each figure counts "
                   "its quarter's: the Channel panel discusses and adopts referrals made in "
                   "earlier quarters, so a quarter may adopt more cases than it discusses, or "
                   "discuss more than are referred in it. Not published as "
                   "open data: the Home Office publishes these counts for police force areas "
                   "and regions, not for one council."),
    ),
    assemble=assemble,
    reconcile=reconcile,
    configure=Benchmarks.model_validate,
    headline=headline,
    chart=Chart("projects", "Project", ("Participants",), "Participants by funded project"),
)

__getattr__ = flow_on_demand(DECLARATION, globals())

if __name__ == "__main__":
    from flows.skeleton import run_from_command_line

    run_from_command_line(DECLARATION)

"""The returns described for people: the README's table of returns is written from here,
so it always says what the declarations say."""

from __future__ import annotations

from flows import registry
from statreturns.calendar import deadline_rule
from statreturns.declaration import NOT_PERSONAL, ReturnDeclaration, Source, Table

START, END = "<!-- returns: written by `statreturns list --format markdown` -->", \
    "<!-- end of returns -->"
PERIOD_WORDS = {"month": "month", "quarter": "quarter", "financial-year": "financial year",
                "rolling-12-months": "rolling 12 months"}


def _periods(declaration: ReturnDeclaration) -> str:
    words = [PERIOD_WORDS[t.value] for t in declaration.period_types]
    if len(words) > 1:
        words[0] += " (default)"
    return ", ".join(words)


def _source(source: Source) -> str:
    where = (f"`{source.name}/` (a folder of files, one per sender)" if source.many
             else f"`{source.name}.csv` or `.xlsx`")
    columns = ", ".join(f"`{c.name}`" + ("" if c.data == NOT_PERSONAL else f" (*{c.data}*)")
                        for c in source.columns)
    return f"- **{source.title}**: {where}; columns {columns}"


AUDIENCE_WORDS = {"board": "board paper", "exempt": "exempt part of the board paper",
                  "submission": "submission", "publication": "open data"}


def _table(table: Table) -> str:
    """A table, its audiences and its disclosure policy, as the README lists them."""
    audiences = ", ".join(AUDIENCE_WORDS[a] for a in table.audiences)
    policy = table.disclosure.words(5) if table.published or table.disclosure.withholds \
        else ""
    return f"- {table.title}: {audiences}. {policy}".rstrip()


def returns_markdown() -> str:
    """The returns table and, for each return, its sources and outputs."""
    declarations = registry.declarations().values()
    lines = [START, "", "| return id | title | period | deadline | recipient | owner |",
             "|---|---|---|---|---|---|"]
    lines += [f"| `{d.id}` | {d.title} | {_periods(d)} | {deadline_rule(d)} | {d.recipient} | "
              f"{d.owner} |" for d in declarations]
    lines += ["", "Columns marked *personal* or *special category* (UK GDPR art. 9 and 10: "
              "characteristics, offences) hold personal data: their values are used in the run "
              "but never shown in a sample of bad values, a log or an output, and only counts "
              "made from them are published. Unmarked columns are not personal."]
    for d in declarations:
        lines += ["", f"### `{d.id}`: {d.title}", "", d.description, "",
                  "Sources, in the inbox folder of the period:", ""]
        lines += [_source(s) for s in d.sources]
        lines += ["", f"Tables, by audience (the {d.delivers} package goes to the recipient; "
                  "the policy is stated at the default threshold of 5):", ""]
        lines += [_table(t) for t in d.tables]
    return "\n".join([*lines, "", END])

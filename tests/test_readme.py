"""The README's returns section says what the declarations say."""

from pathlib import Path

from statreturns.app.describe import END, START, returns_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_describes_every_declared_return_as_declared():
    text = README.read_text(encoding="utf-8")
    section = text[text.index(START):text.index(END) + len(END)]
    assert section == returns_markdown(), (
        "README.md is out of date: replace its returns section with the output of "
        "`statreturns list --format markdown`")

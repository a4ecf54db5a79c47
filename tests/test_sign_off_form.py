"""The sign-off form: built for each version, one required explanation per open query."""

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from statreturns.store.db import session
from statreturns.store.models import Decision, QualityResult, Run
from tasks.sign_off import SignOffRefused, decide, open_queries
from tasks.sign_off_form import (
    _comment_and_explanations,
    _explain_all,
    code_of,
    field_name,
    sign_off_form,
)

pytestmark = pytest.mark.store


@pytest.fixture(autouse=True)
def approvers(monkeypatch):
    """The versions here are of return ids of their own: the PSPO return's approvers."""
    from statreturns.approvers import sign_off_rules

    for module in ("tasks.sign_off", "tasks.sign_off_form"):
        monkeypatch.setattr(f"{module}.sign_off_rules",
                            lambda authority, return_id: sign_off_rules("demo", "pspo-breaches"))
TITLE = "PSPO breach counts"
WARD = ("A warning outside the order's wards",
        "enforcement-log.csv rows 3-4, column E (ward)")
LATE = ("An outcome recorded more than 28 days after the breach",
        "enforcement-log.csv row 7, column K (outcome_date)")


def a_version(*queries: tuple[str, str, str], period: str = "R12-2030-10") -> Run:
    """A produced version, of a return id of its own, whose failed queries are `queries`
    (code, message, location)."""
    run = Run(authority="demo", return_id=f"form-{uuid.uuid4().hex[:8]}", period=period,
              version=1, status="produced", verdict="queries", started_at=datetime.now(UTC))
    with session() as s:
        s.add(run)
        s.commit()
        for code, message, location in queries:
            s.add(QualityResult(run_id=run.id, suite="enforcement_log", code=code,
                                expectation_type="expect_column_values_to_be_in_set",
                                column="person_name", severity="query", success=False,
                                unexpected_count=2, sample="Alex Example", location=location,
                                message=message, rows_key=f"rows-of-{code}"))
        s.add(QualityResult(run_id=run.id, suite="enforcement_log", code="PSPO-001",
                            expectation_type="expect_column_to_exist", severity="error",
                            success=True, message="The ward column is there"))
        s.commit()
    return run


def answer(form, **values):
    return form(**{"decision": "approve", "approver": "Chris Lee", **values})


def test_a_form_asks_one_required_explanation_per_open_query_and_no_default_decision():
    run = a_version(("PSPO-015", *WARD), ("PSPO-017", *LATE))
    schema = sign_off_form(run, TITLE, "the CSP board").model_json_schema()
    fields = schema["properties"]
    assert sorted(schema["required"]) == ["approver", "decision", "explain_pspo_015",
                                          "explain_pspo_017"]
    assert sorted(fields) == ["approver", "comment", "decision", "explain_pspo_015",
                              "explain_pspo_017"]
    assert fields["explain_pspo_015"]["title"] == (
        "A warning outside the order's wards: enforcement-log.csv rows 3-4, column E (ward)")
    assert fields["explain_pspo_017"]["title"] == (
        "An outcome recorded more than 28 days after the breach: enforcement-log.csv row 7, "
        "column K (outcome_date)")
    assert "PSPO-015" in fields["explain_pspo_015"]["description"]
    assert fields["explain_pspo_015"]["minLength"] == 1
    assert fields["decision"]["enum"] == ["approve", "reject", "explain"]
    assert fields["approver"]["description"] == (
        "Who may approve or reject: Alex Morgan <alex.morgan@demo-city.gov.uk>, Chris Lee "
        "<chris.lee@demo-city.gov.uk>, Dana Price <dana.price@demo-city.gov.uk> (deputy). "
        "Four eyes: who ran this version or explained its queries may not approve it")
    assert "default" not in fields["decision"] and "default" not in fields["approver"]
    assert fields["approver"]["minLength"] == 1 and fields["approver"]["maxLength"] == 100
    assert fields["comment"]["default"] == ""
    assert schema["additionalProperties"] is False
    order = sorted(fields, key=lambda f: fields[f]["position"])
    assert order == ["explain_pspo_015", "explain_pspo_017", "decision", "approver", "comment"]
    assert "Alex Example" not in str(schema)  # a sample never reaches the form


def test_the_form_says_what_approving_means_and_lists_the_open_queries():
    run = a_version(("PSPO-015", *WARD), ("PSPO-017", *LATE))
    text = sign_off_form(run, TITLE, "the CSP board")._description
    assert text.startswith(
        "Approving version 1 of **PSPO breach counts**, November 2029 to October 2030 "
        "(R12-2030-10), for Demo City Council confirms the figures are right to submit to "
        "the CSP board.")
    assert "each open query needs an explanation, kept with the rows that raised it" \
        in text.lower()
    assert "To reject, a short reason in each is enough" in text
    assert text.endswith(
        "Open queries:\n\n"
        "- **PSPO-015** A warning outside the order's wards (2 found): enforcement-log.csv "
        "rows 3-4, column E (ward)\n"
        "- **PSPO-017** An outcome recorded more than 28 days after the breach (2 found): "
        "enforcement-log.csv row 7, column K (outcome\\_date)")
    assert "Alex Example" not in text


def test_explained_queries_leave_the_form_and_none_left_says_so():
    run = a_version(("PSPO-015", *WARD), ("PSPO-017", *LATE))
    from tasks.sign_off import explain

    explain(run, "PSPO-015", "Known boundary ward.", "A. Officer")
    form = sign_off_form(run, TITLE)
    assert [f for f in form.model_fields if f.startswith("explain_")] == ["explain_pspo_017"]
    explain(run, "PSPO-017", "Outcome entered late by the police.", "A. Officer")
    form = sign_off_form(run, TITLE)
    assert sorted(form.model_json_schema()["required"]) == ["approver", "decision"]
    assert form._description.endswith("There are no open queries.")
    assert "right to submit." in form._description  # no recipient named


@pytest.mark.parametrize("values, missing", [
    ({"approver": None}, "approver"),
    ({"approver": ""}, "approver"),
    ({"decision": None}, "decision"),
    ({"decision": "maybe"}, "decision"),
    ({"explain_pspo_015": None}, "explain_pspo_015"),
    ({"explain_pspo_015": ""}, "explain_pspo_015"),
    ({"explanations": {"PSPO-015": "old form"}}, "explanations"),
])
def test_an_answer_without_approver_decision_or_an_explanation_is_refused(values, missing):
    form = sign_off_form(a_version(("PSPO-015", *WARD)), TITLE)
    given = {"explain_pspo_015": "Known boundary ward.", "decision": "approve",
             "approver": "Chris Lee", **values}
    with pytest.raises(ValidationError) as refused:
        form(**{k: v for k, v in given.items() if v is not None})
    assert missing in str(refused.value)


def test_the_schema_prefect_keeps_refuses_a_blank_answer_as_the_server_would():
    """The schema saved with the paused run, checked as the server checks a resume."""
    from prefect._internal.pydantic.v2_schema import create_v2_schema
    from prefect.utilities.schema_tools import ValidationError as Refused
    from prefect.utilities.schema_tools import validate

    form = sign_off_form(a_version(("PSPO-015", *WARD)), TITLE)
    schema = create_v2_schema(form.__name__, model_base=form)
    good = {"explain_pspo_015": "Known boundary ward.", "decision": "approve",
            "approver": "Chris Lee"}
    assert validate(good, schema, raise_on_error=True) == []
    for blank in ({**good, "approver": ""}, {k: v for k, v in good.items() if k != "decision"},
                  {k: v for k, v in good.items() if k != "explain_pspo_015"}):
        with pytest.raises(Refused):
            validate(blank, schema, raise_on_error=True)


def test_an_approval_maps_each_field_back_to_its_rule_and_is_taken():
    run = a_version(("PSPO-015", *WARD), ("PSPO-017", *LATE))
    assert (field_name("PSPO-015"), code_of("explain_pspo_015")) == (
        "explain_pspo_015", "PSPO-015")
    given = answer(sign_off_form(run, TITLE), explain_pspo_015="Boundary ward.",
                   explain_pspo_017="Entered late.", comment="fine")
    assert _comment_and_explanations(given) == (
        "fine", {"PSPO-015": "Boundary ward.", "PSPO-017": "Entered late."})
    with pytest.raises(SignOffRefused, match="Chris Lee explained the queries of version 1, "
                       "so cannot approve it: four eyes. Who else may approve it: Alex Morgan"):
        decide(run, given.decision, given.approver, *_comment_and_explanations(given))
    assert len(open_queries(run)) == 2  # nothing kept
    explained = answer(sign_off_form(run, TITLE), decision="explain", approver="A. Officer",
                       explain_pspo_015="Boundary ward.", explain_pspo_017="Entered late.")
    assert _comment_and_explanations(explained)[1] == {"PSPO-015": "Boundary ward.",
                                                        "PSPO-017": "Entered late."}
    _explain_all(run, explained)
    assert open_queries(run) == []
    assert decide(run, "approve", "chris.lee@demo-city.gov.uk", "fine") == "approved"


def test_a_rejection_keeps_each_query_reason_with_the_decision_not_as_an_explanation():
    run = a_version(("PSPO-015", *WARD), ("PSPO-017", *LATE))
    given = answer(sign_off_form(run, TITLE), decision="reject",
                   explain_pspo_015="Ward wrong.", explain_pspo_017="Check the date.")
    comment, explanations = _comment_and_explanations(given)
    assert (comment, explanations) == ("PSPO-015: Ward wrong.\nPSPO-017: Check the date.", {})
    assert decide(run, "reject", given.approver, comment, explanations) == "rejected"
    assert [q.code for q in open_queries(run)] == ["PSPO-015", "PSPO-017"]
    with session() as s:
        [decision] = s.query(Decision).filter(Decision.run_id == run.id).all()
    assert (decision.decision, decision.comment) == ("rejected", comment)


def test_a_decision_not_taken_is_said_first_in_the_next_form():
    run = a_version(("PSPO-015", *WARD))
    given = answer(sign_off_form(run, TITLE), explain_pspo_015="   ")
    with pytest.raises(SignOffRefused) as refused:
        decide(run, given.decision, given.approver, *_comment_and_explanations(given))
    assert str(refused.value) == "the explanation of PSPO-015 is blank"
    text = sign_off_form(run, TITLE, refused=str(refused.value))._description
    assert text.startswith("> **Not taken:** the explanation of PSPO-015 is blank\n\n"
                           "Approving version 1 of")


def test_an_approval_refused_for_unexplained_queries_gives_the_command_for_each():
    run = a_version(("PSPO-015", *WARD), ("PSPO-017", *LATE), period="2030-10")
    with pytest.raises(SignOffRefused) as refused:
        decide(run, "approve", "Chris Lee")
    assert str(refused.value) == (
        "version 1 cannot be approved: the open queries PSPO-015, PSPO-017 need an "
        "explanation. Explain each with:\n"
        f"  statreturns explain {run.return_id} --period 2030-10 --authority demo "
        '--rule PSPO-015 --text "..." --author "Your Name"\n'
        f"  statreturns explain {run.return_id} --period 2030-10 --authority demo "
        '--rule PSPO-017 --text "..." --author "Your Name"')
    text = sign_off_form(run, TITLE, refused=str(refused.value))._description
    assert text.startswith("> **Not taken:** version 1 cannot be approved: the open queries "
                           "PSPO-015, PSPO-017 need an explanation. Explain each with:  \n"
                           f"> `statreturns explain {run.return_id} --period 2030-10 "
                           '--authority demo --rule PSPO-015 --text "..." --author "Your '
                           'Name"`  \n> `statreturns explain')

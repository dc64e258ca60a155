"""Round trip: values generated from `formkit fields --json`, typed into an issued form as a person would,
come back from `formkit read` exactly — from the .docx, after a LibreOffice re-save, and from its PDF."""

import json

import pytest
from click.testing import CliRunner
from conftest import YEAR, doc_for, need_soffice

from formkit.cli import main
from formkit.convert import convert_many
from formkit.fill import fill_form
from formkit.forms import load_form
from formkit.issue.context import prefilled_values, recipients
from formkit.pipeline import read_file
from formkit.simulate import as_typed, valid_values

CASES = [("self-assessment", "U012"), ("self-assessment", "U007"), ("county-feedback", "U005-433131"),
         ("county-feedback", "U008-522731")]


def contract(form_id: str) -> dict:
    result = CliRunner().invoke(main, ["fields", form_id, "--year", str(YEAR), "--json"])
    return json.loads(result.stdout)


def filled(issued, sample_roster, tmp_path, form_id, rid, multiline=True, seed=1):
    form = load_form(form_id, YEAR)
    recipient = next(r for r in recipients(form, sample_roster) if r.id == rid)
    given = prefilled_values(form, YEAR, recipient)
    spec = contract(form_id)
    values = valid_values(spec, given, YEAR, seed=seed, multiline=multiline)
    target = tmp_path / f"{rid}.docx"
    fill_form(doc_for(issued, form_id, rid), target, form, as_typed(spec, values, given))
    return target, values


def errors(result):
    return [f.message for f in result.findings if f.severity == "error"]


@pytest.mark.parametrize("form_id, rid", CASES)
def test_docx_round_trip(issued, sample_roster, tmp_path, form_id, rid):
    target, values = filled(issued, sample_roster, tmp_path, form_id, rid)
    result = read_file(target)
    assert result.form == form_id and result.recipient["id"] == rid and result.year == YEAR
    assert result.values == values
    assert errors(result) == []


def test_rows_the_user_added_are_read(issued, sample_roster, tmp_path):
    target, values = filled(issued, sample_roster, tmp_path, "self-assessment", "U012", seed=3)
    unit_counties = 4
    assert len(values["visits"]) == unit_counties + 1
    assert len(read_file(target).values["first_secretaries"]) == 3  # 3 blank rows issued, 3 filled


@pytest.mark.parametrize("form_id, rid", CASES[::2])
@pytest.mark.slow
@pytest.mark.libreoffice
def test_round_trip_after_libreoffice_resave(issued, sample_roster, tmp_path, form_id, rid):
    need_soffice()
    target, values = filled(issued, sample_roster, tmp_path, form_id, rid)
    [resaved] = convert_many([target], tmp_path / "lo", "docx:MS Word 2007 XML")
    result = read_file(resaved)
    assert result.values == values
    assert errors(result) == []
    assert "LibreOffice" in result.source["producer"]


@pytest.mark.parametrize("form_id, rid", CASES[::2])
@pytest.mark.slow
@pytest.mark.libreoffice
def test_round_trip_from_pdf(issued, sample_roster, tmp_path, form_id, rid):
    need_soffice()
    target, values = filled(issued, sample_roster, tmp_path, form_id, rid, multiline=False)
    [pdf] = convert_many([target], tmp_path / "pdf")
    result = read_file(pdf)
    assert result.source["format"] == "pdf" and result.identified_by == "footer-code"
    assert result.values == values
    assert errors(result) == []

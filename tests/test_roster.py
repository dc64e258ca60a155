import shutil
from collections import Counter

import pytest
from openpyxl import Workbook

from formkit.config import load_config
from formkit.errors import RosterError
from formkit.resources import samples_dir
from formkit.roster import load_roster

SAMPLE = samples_dir() / "roster"


def test_sample_roster_is_realistic(sample_roster):
    r = sample_roster
    assert {u.category for u in r.units} == set(load_config().category_names)
    assert len(r.units) >= 12 and len(r.counties) >= 20
    assert any(c.key_county for c in r.counties) and not all(c.key_county for c in r.counties)
    assert max(len(r.counties_of(u)) for u in r.units) >= 3
    assert max(len(r.units_of(c)) for c in r.counties) == 2  # "1+1": two universities, one county
    assert not r.warnings
    unit = next(u for u in r.units if u.category == "高等院校")
    assert unit.lead == "教育部"


def _write(tmp_path, units: str, pairs: str):
    (tmp_path / "units.csv").write_text(units, encoding="utf-8")
    (tmp_path / "pairs.csv").write_text(pairs, encoding="utf-8")
    return tmp_path


UNITS = "编号,单位名称,单位类别\nU1,甲单位,中央企业\nU2,乙大学,高等院校\n"
PAIRS = "单位名称,定点帮扶县,县代码,所属省份,是否重点帮扶县\n甲单位,一县,100001,某省,是\n乙大学,二县,100002,某省,否\n"


def test_minimal_roster(tmp_path):
    r = load_roster(_write(tmp_path, UNITS, PAIRS))
    assert [u.name for u in r.units] == ["甲单位", "乙大学"]
    assert [p.id for p in r.pairs] == ["U1-100001", "U2-100002"]
    assert r.counties[0].key_county is True and r.counties[1].key_county is False


@pytest.mark.parametrize("units, pairs, code, row", [
    (UNITS + "U3,丙所,科研院所\n", PAIRS, "roster.unknown-category", 4),
    (UNITS + "U3,甲单位,中央企业\n", PAIRS, "roster.duplicate-unit", 4),
    (UNITS, PAIRS + "丁公司,三县,100003,某省,是\n", "roster.unknown-unit", 4),
    (UNITS, PAIRS + "甲单位,一县,100001,某省,是\n", "roster.duplicate-pair", 4),
    (UNITS, PAIRS + "甲单位,四县,100004,某省,也许\n", "roster.invalid-value", 4),
    (UNITS, PAIRS + "乙大学,一县,100001,别省,是\n", "roster.inconsistent-county", 4),
    (UNITS, PAIRS + "甲单位,,100005,某省,是\n", "roster.missing-value", 4),
])
def test_bad_rosters_name_the_row(tmp_path, units, pairs, code, row):
    with pytest.raises(RosterError) as err:
        load_roster(_write(tmp_path, units, pairs))
    assert err.value.code == code
    assert err.value.where["row"] == row
    assert f"第{row}行" in str(err.value)


def test_all_problems_are_reported_not_only_the_first(tmp_path):
    units = UNITS + "U3,丙所,科研院所\nU4,丁所,研究机构\n"
    with pytest.raises(RosterError) as err:
        load_roster(_write(tmp_path, units, PAIRS))
    codes = [err.value.code] + [e.code for e in err.value.others]
    assert codes == ["roster.unknown-category", "roster.unknown-category"]


def test_missing_column_is_named(tmp_path):
    with pytest.raises(RosterError) as err:
        load_roster(_write(tmp_path, "编号,单位名称\nU1,甲单位\n", PAIRS))
    assert err.value.code == "roster.missing-column" and "单位类别" in err.value.message


def test_gbk_csv_from_excel(tmp_path):
    (tmp_path / "units.csv").write_bytes(UNITS.encode("gbk"))
    (tmp_path / "pairs.csv").write_bytes(PAIRS.encode("gbk"))
    assert len(load_roster(tmp_path).units) == 2


def test_xlsx_roster_reads_like_csv(tmp_path, sample_roster):
    book = Workbook()
    for sheet_name, file in (("单位", "units.csv"), ("帮扶关系", "pairs.csv")):
        sheet = book.create_sheet(sheet_name)
        for line in (SAMPLE / file).read_text(encoding="utf-8").splitlines():
            cells = line.split(",")
            # Excel keeps county codes as numbers
            sheet.append([int(c) if c.isdigit() else c for c in cells])
    del book["Sheet"]
    book.save(tmp_path / "roster.xlsx")
    r = load_roster(tmp_path / "roster.xlsx")
    assert [(p.unit.id, p.county.code) for p in r.pairs] == [(p.unit.id, p.county.code) for p in sample_roster.pairs]
    assert Counter(c.key_county for c in r.counties) == Counter(c.key_county for c in sample_roster.counties)


def test_csv_file_path_finds_its_folder(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "r")
    assert len(load_roster(tmp_path / "r" / "units.csv").pairs) == len(load_roster(SAMPLE).pairs)

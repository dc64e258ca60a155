"""The codes table (src/formkit/codes.yaml) is the one list of codes: every code the source gives is in it
with the severity it is given, every code in it is given somewhere (or is a documented alias), and the
README's list is the table's."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from formkit import codes
from formkit.codes import canonical, lookup
from formkit.store import schema

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "formkit"
CODE = re.compile(r"^[a-z][a-z0-9]*\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
CHECK = re.compile(r"^[DP]-[A-Z]+(?:-[A-Z]+)*$")  # a GB/T 9704 format check: D-PAGE, P-REDRULE-GAP
NOT_CODES = re.compile(r"\.(yaml|yml|csv|db|xml|json|ini|bin|conf|md|txt|docx|xlsx|pdf|png|rels|html)$")
FATAL_CALLS = {"Refused", "Outcome", "Kind", "Source", "Ingested"}  # a file refused; any *Error: raised
SEVERITY_NAMES = {"ERROR": "error", "WARNING": "warning", "FAIL": "error", "WARN": "warning"}
# Codes built from a prefix at run time: the file and the prefix. intake/batch.py names the reading worker's
# own failures for `formkit read` (intake.timeout → read.timeout): the table lists them with derived_from.
DYNAMIC = {"intake/batch.py": "read."}
# Dotted literals that are not codes: keys of the GB/T 9704 profile (p.v("page.width")), the store's tables
# (ForeignKey("submissions.id")) and the document properties formkit stamps (formkit.year).
NOT_CODE_SPACES = {*yaml.safe_load((ROOT / "forms" / "gbt9704-2012.yaml").read_text(encoding="utf-8")),
                   *schema.metadata.tables, "formkit"}


@dataclass(frozen=True)
class Use:
    code: str
    where: str  # path:line
    severities: frozenset[str] = frozenset()  # what the call gives it, when the call says


class Scanner(ast.NodeVisitor):
    """Every code a reviewer would find in one module: string literals passed to finding(), to an error
    class, to Outcome/Kind/Refused/Source/Ingested, to the format checks' _check(), the rule registry and
    the like, values of a "code" key, literals compared with ``.code``, and any other literal shaped like a
    code of a known namespace."""

    def __init__(self, path: str, namespaces: set[str]):
        self.path, self.namespaces = path, namespaces
        self.uses: list[Use] = []
        self.dynamic: list[str] = []
        self.seen: set[int] = set()

    def add(self, node: ast.AST, severities: frozenset[str] = frozenset()) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _shaped(node.value) \
                and codes.namespace(node.value) not in NOT_CODE_SPACES:
            self.seen.add(id(node))
            self.uses.append(Use(node.value, f"{self.path}:{node.lineno}", severities))

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        severities: frozenset[str] = frozenset()
        if name == "finding" and len(node.args) > 1:
            severities = _severities(node.args[1])
        elif name == "_check" and len(node.args) > 3:
            severities = _severities(node.args[3])
        elif name.endswith("Error") or name in FATAL_CALLS:
            severities = frozenset({"fatal"})
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            self.add(arg, severities)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "code":
                self.add(value)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        if any(isinstance(n, ast.Attribute) and n.attr == "code" for n in [node.left, *node.comparators]):
            for n in [node.left, *node.comparators]:
                self.add(n)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        left = node.left
        if isinstance(node.op, ast.Add) and isinstance(left, ast.Constant) and isinstance(left.value, str) \
                and re.fullmatch(r"[a-z]+\.", left.value) and left.value[:-1] in self.namespaces:
            self.dynamic.append(f"{self.path}:{left.value}")
        self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and re.fullmatch(r"[a-z]+\.", first.value) \
                and first.value[:-1] in self.namespaces:
            self.dynamic.append(f"{self.path}:{first.value}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if id(node) not in self.seen and isinstance(value, str) and _shaped(value) \
                and (CHECK.match(value) or codes.namespace(value) in self.namespaces):
            self.uses.append(Use(value, f"{self.path}:{node.lineno}"))


def _shaped(text: str) -> bool:
    return bool((CODE.match(text) and not NOT_CODES.search(text)) or CHECK.match(text))


def _severities(node: ast.AST) -> frozenset[str]:
    if isinstance(node, ast.IfExp):
        return _severities(node.body) | _severities(node.orelse)
    if isinstance(node, ast.Name) and node.id in SEVERITY_NAMES:
        return frozenset({SEVERITY_NAMES[node.id]})
    if isinstance(node, ast.Constant) and node.value in ("error", "warning"):
        return frozenset({node.value})
    return frozenset()


def scan_text(text: str, name: str) -> Scanner:
    scanner = Scanner(name, set(codes.load().namespaces))
    scanner.visit(ast.parse(text, name))
    return scanner


def scan() -> tuple[list[Use], list[str]]:
    uses, dynamic = [], []
    for path in sorted(SRC.rglob("*.py")):
        scanner = scan_text(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
        uses += scanner.uses
        dynamic += scanner.dynamic
    return uses, dynamic


USES, DYNAMIC_FOUND = scan()
TABLE = codes.load()


def test_every_code_in_the_source_is_in_the_table():
    missing = sorted({f"{u.code} ({u.where})" for u in USES if u.code not in TABLE.codes})
    assert missing == [], "codes used but not in src/formkit/codes.yaml (a renamed one: list the old name " \
                          "under aliases, use the new one): " + ", ".join(missing)


def test_the_scan_finds_the_codes_where_a_reviewer_would():
    sample = scan_text('''
raise ReadError("read.made-up", "…")
findings.append(finding("rule.made-up", WARNING if x else ERROR, "…"))
problems.append({"code": "newspace.made-up", "message": "…"})
ok = exc.code == "otherspace.made-up"
KIND = Kind("doc", "convert", "lastspace.made-up")
REASONS = {"min": ("value.made-up", "…")}
checks.append(_check("D-MADEUP", "5.1", ok, WARN, 1, 2))
width, parent, name, stamp = p.v("page.width"), ForeignKey("submissions.id"), "catalogue.yaml", "formkit.year"
code = "read." + code.removeprefix("intake.")
''', "sample.py")
    assert {(u.code, "/".join(sorted(u.severities))) for u in sample.uses} == {
        ("read.made-up", "fatal"), ("rule.made-up", "error/warning"), ("newspace.made-up", ""),
        ("otherspace.made-up", ""), ("lastspace.made-up", "fatal"), ("value.made-up", ""), ("D-MADEUP", "warning")}
    assert sample.dynamic == ["sample.py:read."]
    found = {u.code for u in USES}
    # one of each way a code is given: finding(), an error class, a rule, a format check, a dict, a tuple
    assert {"read.label-changed", "roster.unknown-category", "rule.no-cadre", "D-PAGE", "P-REDRULE-GAP",
            "value.required", "pdf.encrypted", "cli.out-not-folder"} <= found
    assert len(found) > 150


def test_no_code_is_built_at_run_time_unless_listed():
    assert sorted(DYNAMIC_FOUND) == sorted(f"{path}:{prefix}" for path, prefix in DYNAMIC.items())


def test_each_code_is_given_with_the_severity_the_table_says():
    wrong = sorted({f"{u.code} ({u.where}): {'/'.join(sorted(u.severities))}, table: {TABLE.codes[u.code].severity}"
                    for u in USES if u.severities and u.code in TABLE.codes
                    and TABLE.codes[u.code].severity not in u.severities})
    assert wrong == []


def test_every_code_in_the_table_is_used_or_derived():
    used = {u.code for u in USES}
    unused = [c.code for c in TABLE.codes.values() if c.code not in used and c.derived_from not in used]
    assert unused == [], "codes in the table that nothing gives (renamed: move them to aliases): " + ", ".join(unused)


def test_aliases_lead_to_codes_of_the_table_and_are_no_longer_given():
    used = {u.code for u in USES}
    for old, new in TABLE.aliases.items():
        assert old not in used and old not in TABLE.codes, old
        assert canonical(old) == new and lookup(old) is TABLE.codes[new]
    assert canonical("rule.no-cadre") == "rule.no-cadre" and canonical("no.such-code") == "no.such-code"
    assert lookup("no.such-code") is None


def test_every_entry_says_what_it_means_and_what_to_do_in_chinese():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for c in TABLE.codes.values():
        assert c.severity in codes.SEVERITIES, c.code
        assert cjk.search(c.message) and cjk.search(c.help), c.code
        assert "\n" not in c.message + c.help and "|" not in c.message + c.help, c.code


def test_the_readme_lists_the_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert codes.section(readme) == codes.markdown(), "run: python -m formkit.codes --write README.md"
    for code in TABLE.codes:
        assert f"| `{code}`" in codes.section(readme)


def test_the_readme_list_is_written_and_checked_by_the_module(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{codes.BEGIN}\nold list\n{codes.END}\n\nafter\n", encoding="utf-8")
    assert codes.main(["--check", str(readme)]) == 1
    assert codes.main(["--write", str(readme)]) == 0
    assert codes.main(["--check", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# x\n\n") and text.endswith(f"{codes.END}\n\nafter\n") and "old list" not in text
    assert codes.main(["--markdown"]) == 0 and "`rule.funds-differ`" in capsys.readouterr().out


@pytest.mark.parametrize("broken, problem", [
    ({"severity": "fatal!"}, "severity"),
    ({"derived_from": "no.such-code"}, "derived from unknown"),
])
def test_a_broken_entry_is_refused(broken, problem):
    table = codes.load()
    entry = codes.Code(**{**table.codes["rule.no-cadre"].__dict__, **broken})
    bad = codes.Table({**table.codes, entry.code: entry}, table.aliases, table.namespaces)
    assert any(problem in p for p in codes._problems(bad))
    looping = codes.Table(table.codes, {"a.b": "c.d", "c.d": "a.b"}, table.namespaces)
    with pytest.raises(ValueError, match="loop"):
        canonical("a.b", looping)

"""Rule specs: the TOML files in ``rules/`` (shipped in the wheel as ``pinlint/rulespecs``)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

DOC_SECTIONS = ("what-it-does", "why-is-this-bad", "example", "use-instead", "fix-safety", "references")
SEVERITIES = ("error", "warning")

def __getattr__(name: str) -> Any:
    """``TARGET_NAMES``: every target, from the profiles (pinlint/targets/profiles.toml)."""
    if name == "TARGET_NAMES":
        return _target_names()
    raise AttributeError(name)


def _target_names() -> Tuple[str, ...]:
    from pinlint.targets.profiles import catalog

    return catalog().names
FRAMEWORKS = ("django", "sqlalchemy", "psycopg", "psycopg2", "asyncpg", "mysql")
CODE_RE = re.compile(r"^PIN\d{3}$")
#: ``fix-safety``: what ``pinlint check --fix`` may do for the rule (``safe``: applied by ``--fix``;
#: ``unsafe``: only with ``--unsafe-fixes``; ``none``: no automatic fix). A fix may be less safe than its
#: rule (an unsafe variant of a safe rule's fix), never more.
FIX_SAFETIES = ("safe", "unsafe", "none")
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_RELATIVE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*\.(?:py|sql)$")
DOCS_URL = "https://github.com/pinlint/pinlint/blob/main/rules/{code}-{name}.toml"


class SpecError(ValueError):
    """A rule spec file is malformed."""


@dataclass(frozen=True)
class Example:
    valid: bool
    sql: Optional[str]
    code: Optional[str]
    #: ``any``, a target name, or several comma-separated (``target = [...]`` in the spec)
    target: str = "any"
    options: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    oracle: str = "observe"
    source: str = ""
    setup: str = ""
    index: int = 0
    #: other modules of the same project (relative path -> text); the example's ``code`` is then
    #: ``path`` in that project, and the example is linted as a project (a directory)
    files: Mapping[str, str] = field(default_factory=dict)
    path: str = "myapp/main.py"
    #: an ``invalid`` example's expected finding (as Fixit's ``InvalidTestCase``): where it starts (1-based,
    #: in the linted module: the driver call around a ``sql`` example, the example's ``path`` or ``file``
    #: in a project) and a part of its message; None where the example does not say
    line: Optional[int] = None
    column: Optional[int] = None
    message: Optional[str] = None
    file: Optional[str] = None
    #: an ``invalid`` example's code after ``pinlint check --fix --unsafe-fixes --select CODE`` (the SQL after the fix for a
    #: ``sql`` example; None: no fix applies to it); ``fixed_files``: the other files of a project example
    #: that the fix changes (relative path -> text after the fix)
    fixed: Optional[str] = None
    fixed_files: Mapping[str, str] = field(default_factory=dict)

    def python_source(self, dialect: str = "postgres", sql: Optional[str] = None) -> str:
        """The module the linter sees for this example; ``sql``: the same driver call around another SQL
        text (a ``sql`` example's ``fixed`` SQL)."""
        if self.code is not None and sql is None:
            return self.code
        sql = self.sql if sql is None else sql
        assert sql is not None
        if dialect == "mysql":
            return (
                "import pymysql\n\n"
                "conn = pymysql.connect(host='db')\n"
                "with conn.cursor() as cur:\n"
                f"    cur.execute({sql!r})\n"
            )
        return (
            "import psycopg\n\n"
            "with psycopg.connect('', prepare_threshold=None) as conn:\n"
            f"    conn.execute({sql!r})\n"
        )


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    summary: str
    message: str
    help: str
    severity: Mapping[str, str]
    help_variants: Mapping[str, str] = field(default_factory=dict)
    fix_title: str = ""
    #: ``safe``, ``unsafe`` or ``none`` (FIX_SAFETIES)
    fix_safety: str = "none"
    dialect: str = "postgres"
    path: str = ""
    #: the ``[docs]``, ``[[invalid]]`` and ``[[valid]]`` tables (most of the text): parsed and checked
    #: when first asked for; a check never needs them
    deferred_text: str = field(default="", repr=False, compare=False)

    def _deferred(self) -> Tuple[Mapping[str, Any], Tuple[Example, ...], Tuple[Example, ...]]:
        parsed = self.__dict__.get("_parsed")
        if parsed is None:
            try:
                data = tomllib.loads(self.deferred_text)
            except tomllib.TOMLDecodeError as exc:
                raise SpecError(f"{self.path}: {exc}") from None
            parsed = _deferred_tables(data, self.path)
            object.__setattr__(self, "_parsed", parsed)
        return parsed

    @property
    def docs(self) -> Mapping[str, Any]:
        return self._deferred()[0]

    @property
    def invalid(self) -> Tuple[Example, ...]:
        return self._deferred()[1]

    @property
    def valid(self) -> Tuple[Example, ...]:
        return self._deferred()[2]

    @property
    def targets(self) -> Tuple[str, ...]:
        return tuple(t for t in _target_names() if t in self.severity)

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code, name=self.name)

    def help_for(self, framework: Optional[str]) -> str:
        if framework and framework in self.help_variants:
            return self.help_variants[framework]
        return self.help


def specs_dir() -> Path:
    """Where the specs are: inside the installed package (wheel) or ``rules/`` next to the package (checkout, editable)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rulespecs", here.parent / "rules"):
        if candidate.is_dir() and any(candidate.glob("PIN*.toml")):
            return candidate
    raise SpecError(f"no rule specs found next to {here} (looked in rulespecs/ and ../rules/)")


def _req(data: Mapping[str, Any], key: str, typ: type, where: str) -> Any:
    if key not in data:
        raise SpecError(f"{where}: missing key `{key}`")
    value = data[key]
    if not isinstance(value, typ):
        raise SpecError(f"{where}: `{key}` must be a {typ.__name__}")
    return value


def _examples(raw: Any, valid: bool, where: str) -> Tuple[Example, ...]:
    kind = "valid" if valid else "invalid"
    if not isinstance(raw, list) or not raw:
        raise SpecError(f"{where}: needs at least one [[{kind}]] example")
    out = []
    for i, item in enumerate(raw):
        w = f"{where} [[{kind}]] #{i + 1}"
        if not isinstance(item, dict):
            raise SpecError(f"{w}: must be a table")
        unknown = set(item) - {"sql", "code", "target", "options", "note", "oracle", "source", "setup", "files", "path",
                               "line", "column", "message", "file", "fixed", "fixed-files"}
        if unknown:
            raise SpecError(f"{w}: unknown key(s) {sorted(unknown)}")
        expected = {k: item[k] for k in ("line", "column", "message", "file") if k in item}
        if expected and valid:
            raise SpecError(f"{w}: {sorted(expected)} describe the finding of an invalid example")
        for key in ("line", "column"):
            if key in item and (not isinstance(item[key], int) or isinstance(item[key], bool) or item[key] < 1):
                raise SpecError(f"{w}: `{key}` must be a positive integer (1-based)")
        if "column" in item and "line" not in item:
            raise SpecError(f"{w}: `column` needs `line`")
        if "message" in item and (not isinstance(item["message"], str) or not item["message"]):
            raise SpecError(f"{w}: `message` must be a non-empty string")
        if "file" in item and item["file"] not in (*item.get("files", {}), item.get("path", "myapp/main.py")):
            raise SpecError(f"{w}: `file` must name the example's `path` or one of its `files`")
        if ("fixed" in item or "fixed-files" in item) and valid:
            raise SpecError(f"{w}: `fixed` and `fixed-files` describe the fix of an invalid example")
        if "fixed" in item and not isinstance(item["fixed"], str):
            raise SpecError(f"{w}: `fixed` must be a string (the code after the fix)")
        fixed_files = item.get("fixed-files", {})
        if not isinstance(fixed_files, dict) or not all(isinstance(v, str) for v in fixed_files.values()):
            raise SpecError(f"{w}: `fixed-files` must be a table of relative path = text")
        if any(rel not in item.get("files", {}) for rel in fixed_files):
            raise SpecError(f"{w}: `fixed-files` must name files of the example's `files`")
        if ("sql" in item) == ("code" in item):
            raise SpecError(f"{w}: needs exactly one of `sql` or `code`")
        target = item.get("target", "any")
        if isinstance(target, list) and all(isinstance(x, str) for x in target):
            target = ",".join(target)
        if not isinstance(target, str) or not all(
                x.strip() in ("any",) + _target_names() for x in target.split(",")):
            raise SpecError(f"{w}: unknown target {target!r}")
        oracle = item.get("oracle", "observe")
        if oracle not in ("observe", "documented-only"):
            raise SpecError(f"{w}: oracle must be 'observe' or 'documented-only'")
        if oracle == "documented-only" and not item.get("source"):
            raise SpecError(f"{w}: a documented-only example must name its `source`")
        files = item.get("files", {})
        main_path = item.get("path", "myapp/main.py")
        if ("files" in item or "path" in item) and "code" not in item:
            raise SpecError(f"{w}: `files` and `path` go with a `code` example")
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise SpecError(f"{w}: `files` must be a table of relative path = text")
        for rel in (*files, main_path):
            if not isinstance(rel, str) or not _RELATIVE_RE.match(rel) or ".." in rel.split("/"):
                raise SpecError(f"{w}: {rel!r} is not a relative path ending in .py or .sql")
        if main_path in files:
            raise SpecError(f"{w}: `files` must not hold the example's own path {main_path!r}")
        out.append(
            Example(
                valid=valid,
                sql=item.get("sql"),
                code=item.get("code"),
                target=target,
                options=item.get("options", {}),
                note=item.get("note", ""),
                oracle=oracle,
                source=item.get("source", ""),
                setup=item.get("setup", ""),
                index=i + 1,
                files=files,
                path=main_path,
                line=item.get("line"),
                column=item.get("column"),
                message=item.get("message"),
                file=item.get("file"),
                fixed=item.get("fixed"),
                fixed_files=fixed_files,
            )
        )
    return tuple(out)


#: a table header line (``[docs]``, ``[[invalid]]``); the tables a check does not need are set aside
_TABLE_HEADER = re.compile(r"^\[\[?[ \t]*([A-Za-z0-9_-]+)[ \t]*\]\]?[ \t]*(?:#[^\n]*)?$", re.M)
_DEFERRED = ("docs", "invalid", "valid")


def _split(text: str) -> Tuple[str, str]:
    """The text without the deferred tables, and the deferred tables (each table keeps its header)."""
    kept: List[str] = []
    deferred: List[str] = []
    headers = list(_TABLE_HEADER.finditer(text))
    kept.append(text[: headers[0].start()] if headers else text)
    for i, m in enumerate(headers):
        chunk = text[m.start(): headers[i + 1].start() if i + 1 < len(headers) else len(text)]
        (deferred if m.group(1) in _DEFERRED else kept).append(chunk)
    return "".join(kept), "".join(deferred)


def _deferred_tables(data: Mapping[str, Any], path: str):
    docs = _req(data, "docs", dict, path)
    for section in DOC_SECTIONS:
        if not docs.get(section):
            raise SpecError(f"{path}: [docs] is missing `{section}`")
    refs = docs["references"]
    if not isinstance(refs, list) or not all(isinstance(r, dict) and r.get("title") and r.get("url") for r in refs):
        raise SpecError(f"{path}: [docs] references must be a list of {{ title, url }} tables")
    invalid = _examples(data.get("invalid"), False, path)
    return docs, invalid, _examples(data.get("valid"), True, path)


def parse_spec(text: str, path: str = "<spec>", lazy: bool = False) -> RuleSpec:
    """One spec. ``lazy``: the docs and examples (most of the text) are parsed and checked on first use."""
    head, deferred = _split(text) if lazy else (text, "")
    try:
        data = tomllib.loads(head)
    except tomllib.TOMLDecodeError as exc:
        if not lazy:
            raise SpecError(f"{path}: {exc}") from None
        return parse_spec(text, path, lazy=False)  # a header-like line inside a string: read it whole
    if lazy and set(data) & set(_DEFERRED):
        return parse_spec(text, path, lazy=False)
    code = _req(data, "code", str, path)
    if not CODE_RE.match(code):
        raise SpecError(f"{path}: code {code!r} is not PIN + 3 digits")
    name = _req(data, "name", str, path)
    if not NAME_RE.match(name):
        raise SpecError(f"{path}: name {name!r} is not kebab-case")
    severity = _req(data, "severity", dict, path)
    for target, level in severity.items():
        if target not in _target_names() or level not in SEVERITIES:
            raise SpecError(f"{path}: [severity] {target} = {level!r} is not a target/severity")
    variants = data.get("help-variants", {})
    for key in variants:
        if key not in FRAMEWORKS:
            raise SpecError(f"{path}: [help-variants] unknown framework {key!r}")
    known = {"code", "name", "summary", "message", "help", "fix-title", "fix-safety", "help-variants", "severity",
             "docs", "invalid", "valid", "dialect"}
    unknown = set(data) - known
    if unknown:
        raise SpecError(f"{path}: unknown key(s) {sorted(unknown)}")
    fix_safety = data.get("fix-safety", "none")
    if fix_safety not in FIX_SAFETIES:
        raise SpecError(f"{path}: fix-safety {fix_safety!r} is not one of {', '.join(FIX_SAFETIES)}")
    fix_title = data.get("fix-title", "")
    if not isinstance(fix_title, str) or bool(fix_title) != (fix_safety != "none"):
        raise SpecError(f"{path}: a rule with a fix (fix-safety safe or unsafe) needs a `fix-title`, and only such a rule")
    spec = RuleSpec(
        code=code,
        name=name,
        summary=_req(data, "summary", str, path),
        message=_req(data, "message", str, path),
        help=_req(data, "help", str, path),
        severity=severity,
        help_variants=variants,
        fix_title=fix_title,
        fix_safety=fix_safety,
        dialect=data.get("dialect", "postgres"),
        path=path,
        deferred_text=deferred,
    )
    if not lazy:
        object.__setattr__(spec, "_parsed", _deferred_tables(data, path))
    return spec


@lru_cache(maxsize=None)
def load_specs() -> Tuple[RuleSpec, ...]:
    """All rule specs, sorted by code. Raises SpecError on a malformed or duplicate spec."""
    directory = specs_dir()
    specs: List[RuleSpec] = []
    for path in sorted(directory.glob("PIN*.toml")):
        specs.append(parse_spec(path.read_text(encoding="utf-8"), str(path), lazy=True))
    seen: Dict[str, str] = {}
    for spec in specs:
        for key in (spec.code, spec.name):
            if key in seen:
                raise SpecError(f"{spec.path}: {key} is already used by {seen[key]}")
            seen[key] = spec.path
    return tuple(sorted(specs, key=lambda s: s.code))


def spec_by_code() -> Dict[str, RuleSpec]:
    return {s.code: s for s in load_specs()}

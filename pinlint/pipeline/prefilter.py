"""Decide cheaply whether a file can produce a finding at all, so that libcst sees few files.

Stage 1 (``may_matter``) looks at the raw bytes: per rule family, byte patterns where such a finding
could come from (a SQL keyword right after a quote, a semicolon or a comment; hazard function names;
driver settings). Most files stop here without being decoded.

Stage 2 (``narrow``) parses the decoded text with the stdlib ``ast`` (C speed) and, for the families
that have a refinement, looks at the string constants only: a session-SQL finding needs a string that
holds a statement with the shape of a hazardous one (``SET name =``/``TO``, ``LISTEN channel``, ...)
or a call to a hazard function. A family without a refinement keeps every file stage 1 let through.

The contract, tested in tests/test_rule_examples.py: every rule example gives the same findings with
and without the prefilter. The prefilter can only cost time, never findings.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, FrozenSet, List, Optional

# -- stage 1: bytes ---------------------------------------------------------------------------------

_KEYWORDS = (
    rb"(?:set|reset|prepare|execute|deallocate|discard|listen|unlisten|load|declare"
    rb"|create\s+(?:or\s+replace\s+)?(?:(?:global|local)\s+)?temp(?:orary)?)\b"
)

_MYSQL_KEYWORDS = (
    rb"(?:set|prepare|execute|lock\s+tables?|flush\s+tables?|create\s+(?:or\s+replace\s+)?temporary)\b"
)

#: Byte patterns per rule family (matched case-insensitively); a file that matches none of them cannot
#: produce a finding. A family adds its own entry (driver settings, MySQL SQL, ...). A pattern that is
#: an alternation of plain words (``a|b_c|d``) is checked with fast substring tests, not a regex.
FAMILY_MARKERS: Dict[str, List[bytes]] = {
    "session-sql": [
        rb"[\"'`;]\s*" + _KEYWORDS,  # a statement keyword where a SQL string starts
        rb"\*/\s*" + _KEYWORDS,  # ... or after a SQL comment
        rb"--[^\n]*\n\s*" + _KEYWORDS,
        rb"advisory|set_config|nextval|setval|currval|lastval",
        rb"into\s+temp",
    ],
    # MySQL SQL (pinlint/checks/mysql_sql.py): statements where a SQL string or comment ends, hazard
    # functions, executable comments
    "mysql": [
        rb"[\"'`;]\s*" + _MYSQL_KEYWORDS,
        rb"\*/\s*" + _MYSQL_KEYWORDS,
        rb"--[^\n]*\n\s*" + _MYSQL_KEYWORDS,
        rb"#[^\n]*\n\s*" + _MYSQL_KEYWORDS,
        rb"get_lock|found_rows|row_count",
        rb"/\*!",
        rb"/\*m!",
    ],
    # driver and ORM configuration (pinlint/checks/drivers/): the settings and calls those rules read
    "drivers": [
        rb"prepare_threshold|statement_cache_size|disable_server_side_cursors|conn_max_age|create_engine"
        rb"|create_async_engine|create_pool|connectionpool|listens_for|event.listen|connection_created"
        rb"|init_command|server_settings|startup_params|withhold|servercursor|serverside|server_side_cursors"
        rb"|stream_results|yield_per|add_listener|.prepare|set_session|client_encoding|pool_recycle"
        rb"|max_lifetime|max_idle|max_inactive_connection_lifetime|tortoise|postgresengine|prisma"
        rb"|connection.connect|options=-c|options=%2dc|-c%20",
        rb"databases\s*[=\[]",
        rb"prepared?\s*=\s*true",
        rb"from\s+databases\s+import",
        rb"import\s+databases\b",
        rb"asyncpg\b[^\n]*\bconnect\b",
        rb"psycopg\b[^\n]*\bconnect\b",
        rb"\.cursor\(\s*(?:name\s*=\s*)?[rbfu]*[\"']",
        rb"-c\s*[\w.]+\s*=",
    ],
}

_PLAIN_WORD = re.compile(rb"^[A-Za-z0-9_ .,:=@!/<>%-]+$")


class _Markers:
    """One family's markers: plain words (substring tests on the lower-cased bytes) and regexes."""

    def __init__(self, patterns: List[bytes]) -> None:
        self.words: List[bytes] = []
        self.regexes: List["re.Pattern[bytes]"] = []
        for pattern in patterns:
            alternatives = pattern.split(b"|")
            if all(_PLAIN_WORD.match(a) for a in alternatives):
                self.words.extend(a.lower() for a in alternatives)
            elif pattern.lower() == pattern:
                # searched in lower-cased bytes: no need for IGNORECASE (several times slower)
                self.regexes.append(re.compile(pattern))
            else:
                self.regexes.append(re.compile(pattern, re.IGNORECASE))

    def search(self, lowered: bytes) -> bool:
        return any(w in lowered for w in self.words) or any(r.search(lowered) for r in self.regexes)


_compiled: Dict[str, _Markers] = {}


def family_markers(family: str) -> _Markers:
    m = _compiled.get(family)
    if m is None:
        m = _compiled[family] = _Markers(FAMILY_MARKERS[family])
    return m


def families_hit(data: bytes) -> FrozenSet[str]:
    """The rule families whose byte markers occur in ``data``."""
    lowered = data.lower()
    return frozenset(f for f in FAMILY_MARKERS if family_markers(f).search(lowered))


#: starts shared by several families' statement regexes (``_KEYWORDS`` follows them)
_SHARED_STARTS = (rb"[\"'`;]\s*", rb"\*/\s*", rb"--[^\n]*\n\s*")


class _AnyFamily:
    """Every family's markers at once (``may_matter``): the plain words grouped under a shared
    substring where several have one (one scan of the file for the group, the words only when it
    occurs), then the regexes."""

    #: substrings shared by several marker words
    GROUPS = (b"server", b"create_", b"listen", b"connect", b"max_", b"prepare", b"options=", b"pool")

    def __init__(self) -> None:
        words = sorted({w for f in FAMILY_MARKERS for w in family_markers(f).words})
        self.grouped = [(g, tuple(w for w in words if g in w)) for g in self.GROUPS]
        self.grouped = [(g, ws) for g, ws in self.grouped if ws]
        taken = {w for _, ws in self.grouped for w in ws}
        self.single = tuple(w for w in words if w not in taken)
        # Regexes that share a start (a quote, the end of a comment) are merged into one with their
        # keyword groups as alternatives; the others stay apart (one alternation of unrelated regexes
        # would be slower: each starts with a literal or a rare character, which the regex engine only
        # searches for quickly on its own).
        merged: Dict[bytes, List[bytes]] = {}
        self.regexes = []
        for r in (r for f in FAMILY_MARKERS for r in family_markers(f).regexes):
            start = next((p for p in _SHARED_STARTS if r.pattern.startswith(p)), None)
            if start is None or r.flags & re.IGNORECASE:
                self.regexes.append(r)
            else:
                merged.setdefault(start, []).append(r.pattern[len(start):])
        for start, rests in merged.items():
            self.regexes.insert(0, re.compile(start + b"(?:" + b"|".join(rests) + b")"))

    def search(self, lowered: bytes) -> bool:
        for group, words in self.grouped:
            if group in lowered and any(w in lowered for w in words):
                return True
        if any(w in lowered for w in self.single):
            return True
        return any(r.search(lowered) for r in self.regexes)


_any_family: Optional[_AnyFamily] = None


def may_matter(data: bytes, lowered: Optional[bytes] = None) -> bool:
    """Stage 1: whether any rule family's byte markers occur in ``data`` (``lowered``: its lower-cased
    form, if the caller has it)."""
    global _any_family
    if _any_family is None:
        _any_family = _AnyFamily()
    return _any_family.search(data.lower() if lowered is None else lowered)


# -- stage 2: the statement's shape -------------------------------------------------------------------
#
# On the decoded source text of the files stage 1 let through: a session-SQL finding needs a statement
# with the shape of a hazardous one (``SET name =``/``TO``, ``LISTEN channel``, ``DECLARE c ... CURSOR``)
# where a SQL string can start, or a call of a hazard function. Words of prose after a quote ("Set the
# value", "Reset password") do not have that shape. Source text is read, not string values, so escape
# sequences count as blanks and ``{...}`` (an f-string field) counts as a name.

_BLANK = r"(?:\s|\\[ntr])*"
#: where a SQL statement can start: after a quote, a semicolon or the end of a ``/* */`` comment, or on
#: the line after a ``--`` comment; blanks and escape sequences between
_START = r"(?:[\"'`;]|\*/|--[^\n]*?(?:\n|\\n))" + _BLANK
_IDENT = r"(?:\"[^\"]*\"|\\\"[^\"\\]*\\\"|\{[^{}\n]*\}|[\w.@]+)"


def _named(group: str) -> str:
    return r"(?P<" + group + r">" + _IDENT + r")"


#: matched on the lower-cased text (a case-sensitive search is several times faster)
_KEYWORD = re.compile(r"\b(?:set|reset|prepare|execute|deallocate|discard|listen|unlisten|load|declare|create)\b")
_GRAMMAR = re.compile(
    r"set\s+(?:(?:session|local)\s+)?" + _named("set") + r"\s*(?:=|to\b)"
    + r"|set\s+(?:(?:session|local)\s+)?(?:time\s+zone|role|session\s+authorization|session\s+characteristics)\b"
    + r"|set\s+(?:schema|names)\s"
    + r"|reset\s+" + _named("reset") + _BLANK + r"(?:;|[\"'`]|$)"
    + r"|reset\s+(?:session\s+authorization|time\s+zone)\b"
    + r"|prepare\s+" + _IDENT + r"\s*(?:\(|as\b)"
    + r"|execute\s+" + _IDENT + r"\s*(?:\(|;|[\"'`]|$)"
    + r"|deallocate\s+" + _IDENT
    + r"|discard\s+(?:all|plans|sequences|temp|temporary)\b"
    + r"|(?:un)?listen\s+(?:" + _IDENT + r"|\*)" + _BLANK + r"(?:;|[\"'`]|$)"
    + r"|load\s+'"
    + r"|declare\s+" + _IDENT + r"\s[^;]*?\bcursor\b"
    + r"|create\s+(?:or\s+replace\s+)?(?:(?:global|local)\s+)?temp(?:orary)?\s"
    # a keyword and a blank at the very end of a string: the rest is another expression
    + r"|(?:set|reset|prepare|execute|deallocate|discard|listen|unlisten|load|declare)\s+[\"'`]",
    re.IGNORECASE,
)
_CALL_WORDS = ("set_config", "nextval", "setval", "currval", "lastval")
_CALL_RE = re.compile(r"\b(?:set_config|nextval|setval|currval|lastval)\b|\binto\s+temp")


def _parameter_like(name: str) -> bool:
    """A SET/RESET target that could be a database parameter, not a word of prose."""
    from pinlint.sql.pg_parameters import PG_PARAMETERS

    n = name.strip('"\\').lower()
    return n in PG_PARAMETERS or n in ("all", "role") or any(c in n for c in "._@{")


def _keyword_starts(low: str, after_start: "re.Pattern[str]"):
    """Positions of statement keywords that stand where a SQL string can start (one regex that starts
    at the rare characters, not at every keyword of plain code such as ``set(`` or ``self.execute``)."""
    return (m.start(1) for m in after_start.finditer(low))


_AFTER_START = re.compile(_START + "(" + _KEYWORD.pattern[2:] + ")")
_INTO_TEMP = re.compile(r"into\s+temp")


def _refine_session_sql(text: str) -> bool:
    low = text.lower()
    if "advisory" in low:
        return True
    if any(w in low for w in _CALL_WORDS) and _CALL_RE.search(low):
        return True
    if "into" in low and "temp" in low and _INTO_TEMP.search(low):
        return True
    for start in _keyword_starts(low, _AFTER_START):
        m = _GRAMMAR.match(low, start)
        if m is None:
            continue
        name = m.group("set") or m.group("reset")
        if name is None or _parameter_like(name):
            return True
    return False


_MYSQL_KEYWORD = re.compile(r"\b(?:set|prepare|execute|lock|flush|create)\b")
_MYSQL_GRAMMAR = re.compile(
    r"set\s+(?:(?:global|session|local|persist|persist_only)\s+)?"
    r"(?:@|" + _named("myset") + r"\s*:?=|names\b|char(?:acter|set)\b|transaction\b)"
    + r"|prepare\s+" + _IDENT + r"\s+from\b"
    + r"|execute\s+" + _IDENT + _BLANK + r"(?:using\b|;|[\"'`]|$)"
    + r"|lock\s+tables?\s"
    + r"|flush\s+tables?\b"
    + r"|create\s+(?:or\s+replace\s+)?temporary\s"
    # a keyword and a blank at the very end of a string: the rest is another expression
    + r"|(?:set|prepare|execute|lock|flush)\s+[\"'`]",
    re.IGNORECASE,
)
_MYSQL_CALLS = re.compile(r"\b(?:get_lock|found_rows|row_count)\s*\(|/\*m?!")
_MYSQL_AFTER_START = re.compile(_START + "(" + _MYSQL_KEYWORD.pattern[2:] + ")")
_MYSQL_CALL_WORDS = ("get_lock", "found_rows", "row_count", "/*")


def _refine_mysql(text: str) -> bool:
    """A MySQL finding needs a hazard function call, an executable comment, or a statement with the
    shape of a hazardous one where a SQL string can start."""
    low = text.lower()
    if any(w in low for w in _MYSQL_CALL_WORDS) and _MYSQL_CALLS.search(low):
        return True
    for start in _keyword_starts(low, _MYSQL_AFTER_START):
        m = _MYSQL_GRAMMAR.match(low, start)
        if m is not None and (m.group("myset") is None or _mysql_variable_like(m.group("myset"))):
            return True
    return False


#: MySQL system variables without an underscore in their name (most have one)
_MYSQL_PLAIN_VARIABLES = frozenset({"autocommit", "profiling", "timestamp", "identity", "warnings", "pseudo_thread_id"})


def _mysql_variable_like(name: str) -> bool:
    n = name.strip("`\"").lower()
    return n in _MYSQL_PLAIN_VARIABLES or any(c in n for c in "._@{")


#: What the driver and ORM rules (pinlint/checks/drivers/) read: database factory
#: calls, server cursors and prepared statements, connection events, Django's DATABASES settings, and
#: URLs / libpq strings. A file with a driver marker but none of these has nothing for them.
#: Each pattern comes with the substrings one of which any match contains: the regex runs only when one
#: is present (one big alternation would try every position of the file).
_DRIVER_LIBS = ("psycopg", "asyncpg", "pg8000", "pymysql", "MySQLdb", "aiomysql", "asyncmy", "databases",
                "mysql", "sqlalchemy", "sqlmodel", "tortoise", "piccolo", "playhouse", "dj_database_url")
_DRIVER_WORDS = ("create_engine", "create_async_engine", "create_pool", "PostgresEngine", "register_tortoise",
                 "add_listener", "listens_for", "ServerSide", "ServerCursor", "AsyncServerCursor", "Prisma",
                 "yield_per", "stream_results", "server_side_cursors")
_DRIVER_SETTINGS = ("prepare_threshold", "statement_cache_size", "server_settings", "startup_params")
_DRIVER_MODULES = ("asyncpg", "psycopg", "psycopg2", "pg8000", "pymysql", "MySQLdb", "connector", "aiomysql",
                   "asyncmy", "Database", "Tortoise")
_DRIVER_FROM = ("psycopg", "psycopg2", "asyncpg", "pg8000", "pymysql", "MySQLdb", "aiomysql", "asyncmy", "databases",
                r"mysql\.connector", "psycopg_pool", "sqlalchemy", "sqlmodel", "tortoise", r"piccolo\S*",
                r"playhouse\S*", "dj_database_url")
_IMPORTED = (r"\s+import\b[^\n]*\b(?:connect|Connect|create_pool|Connection|AsyncConnection|Database|create_engine"
             r"|ServerCursor|create_async_engine|event|ConnectionPool|AsyncConnectionPool|PostgresEngine|ServerSide"
             r"|config|parse)\b")
#: (substring, regex that starts with it, whether a word character may not stand right before the match)
_DRIVER_PARTS = (
    [(w, re.escape(w) + r"\b", True) for w in _DRIVER_WORDS + _DRIVER_SETTINGS + ("withhold",)]
    + [(".set_", r"\.set_(?:session|client_encoding)\s*\(", False),
       ("psycopg_pool", r"psycopg_pool\s*\.\s*\w*ConnectionPool\b", False)]
    + [(m, re.escape(m) + r"\s*\.\s*(?:connect|Connect|create_pool|init|Connection)\b", True) for m in _DRIVER_MODULES]
    + [("from", r"from\s+(?:" + "|".join(_DRIVER_FROM) + r")" + _IMPORTED, True)]
    + [(".cursor(", r"\.cursor\(\s*(?:name\s*=|[rbfuRBFU]*[\"'])", False),
       ("prepare", r"prepare\s*=\s*True", True),
       (".prepare", r"\.prepare\s*\(", False),
       ("cursor(", r"cursor\([^)]*\bprepared\s*=\s*True", True),
       ("DATABASES", r"DATABASES\s*(?:=|\[)", True),
       ("CONN_MAX_AGE", r"[\"']CONN_MAX_AGE[\"']\s*[:\]]", False),
       ("CONN_MAX_AGE", r"CONN_MAX_AGE\s*=", True)]
    + [(w, "", False) for w in ("DISABLE_SERVER_SIDE_CURSORS", "connection_created", "init_command", "-c%20", "%2dc")]
    + [("://", r"(?:postgres(?:ql)?|pgsql|postgis|asyncpg|mysql|mariadb)(?:\+\w+)?://", False),
       ("-c", r"-c\s+[\w.]+\s*=", False)]
)
_DRIVER_CHECKS = [(guard, re.compile(pattern) if pattern else None, boundary) for guard, pattern, boundary in _DRIVER_PARTS]


def _after_boundary(text: str, pos: int) -> bool:
    return pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] == "_")


def _refine_drivers(text: str) -> bool:
    for guard, regex, boundary in _DRIVER_CHECKS:
        if guard not in text:
            continue
        if regex is None:
            return True
        for m in regex.finditer(text):
            if not boundary or _after_boundary(text, m.start()):
                return True
    return False


#: Stage-2 refinements per family: given the decoded source, can this family find anything?
REFINERS: Dict[str, Callable[[str], bool]] = {
    "session-sql": _refine_session_sql,
    "mysql": _refine_mysql,
    "drivers": _refine_drivers,
}


def narrow(text: str, families: Optional[FrozenSet[str]] = None) -> bool:
    """Stage 2: whether a file that stage 1 let through can still produce a finding."""
    if families is None:
        families = families_hit(text.encode("utf-8", "surrogatepass"))
    if not families:
        return False
    if any(f not in REFINERS for f in families):
        return True
    return any(REFINERS[f](text) for f in families)

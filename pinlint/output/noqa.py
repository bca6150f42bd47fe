"""``# noqa`` comments: ``# noqa`` (everything), ``# noqa: PIN101,PIN2`` (codes or prefixes), and a
file-level ``# pinlint: noqa``. Comments are read with the stdlib tokenizer (so text inside a string
literal is never a comment), and only in files that have findings or ``# noqa: PIN...`` comments.

The map remembers which code of which comment suppressed a finding, so that the ``unused-noqa`` rule
(PIN010) can report the ``PIN`` codes that suppressed nothing. Like ruff's RUF100: a bare ``# noqa`` is
never reported, codes of other tools (``E501``) are ignored, and an unknown ``PIN`` code is reported.
"""

from __future__ import annotations

import re
import tokenize
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple, Union

from pinlint.model import Diagnostic, Position

#: ``# noqa`` and its codes: letters then digits (``PIN101``, ``PIN1``, ``E501``), separated by commas or
#: spaces. Prose after the codes (``# noqa: E501 long URL``) is not a code.
NOQA_RE = re.compile(r"#\s*noqa(?::[\s]*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
FILE_NOQA_RE = re.compile(r"#\s*pinlint\s*:\s*noqa\b", re.IGNORECASE)
#: Cheap tests on raw bytes or text: could the file hold a ``# noqa: ...PIN...`` comment?
CODE_NOQA_BYTES_RE = re.compile(rb"(?i)#\s*noqa\s*:[^\n]*pin")
CODE_NOQA_TEXT_RE = re.compile(r"(?i)#\s*noqa\s*:[^\n]*pin")
ALL: FrozenSet[str] = frozenset({"*"})
UNUSED_NOQA = "PIN010"


@dataclass
class NoqaMap:
    file_level: bool = False
    #: row -> codes (or ALL)
    rows: Dict[int, FrozenSet[str]] = field(default_factory=dict)
    #: row -> (first column, end column) of the ``# noqa`` directive, 0-based, end exclusive
    spans: Dict[int, Tuple[int, int]] = field(default_factory=dict)
    #: row -> 0-based column of the comment that holds the ``# noqa`` directive
    comments: Dict[int, int] = field(default_factory=dict)
    #: row -> the codes of that row that suppressed at least one finding
    used: Dict[int, Set[str]] = field(default_factory=dict)

    def suppresses(self, row: int, code: str) -> bool:
        """Whether a ``# noqa`` on ``row`` covers ``code``; records the match for unused-noqa."""
        codes = self.rows.get(row)
        if codes is None:
            return False
        if codes is ALL:
            return True
        hits = {c for c in codes if code.startswith(c)}
        if hits:
            self.used.setdefault(row, set()).update(hits)
        return bool(hits)

    def suppress(self, rows: Iterable[int], code: str) -> bool:
        """Whether any of ``rows`` suppresses ``code``; every matching comment counts as used."""
        hit = False
        for row in rows:
            hit = self.suppresses(row, code) or hit
        return hit


def _comments(source: str):
    """(row, column, text) of every comment; rows in the universal line model (pinlint/output/edit.py),
    as the positions of findings."""
    from pinlint.output.edit import token_lines

    rows = token_lines(source)
    # no comment of interest after the last line that holds the word: the tokenizer stops there (an
    # error at the cut, a string or bracket left open, ends the walk after every comment before it)
    last = max((i for i, line in enumerate(rows) if _NOQA_WORD.search(line)), default=-1)
    feed = iter(rows[: last + 1])
    try:
        for tok in tokenize.generate_tokens(lambda: next(feed, "")):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.start[1], tok.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return


def may_have_code_noqa(data: Union[bytes, str]) -> bool:
    pattern = CODE_NOQA_BYTES_RE if isinstance(data, bytes) else CODE_NOQA_TEXT_RE
    return pattern.search(data) is not None  # type: ignore[arg-type]


#: every directive holds the word (a file without it is not tokenized)
_NOQA_WORD = re.compile("noqa", re.IGNORECASE)


def parse_noqa(source: str) -> NoqaMap:
    result = NoqaMap()
    if _NOQA_WORD.search(source) is None:
        return result
    for row, col, text in _comments(source):
        if FILE_NOQA_RE.search(text):
            result.file_level = True
            continue
        m = NOQA_RE.search(text)
        if not m:
            continue
        result.spans.setdefault(row, (col + m.start(), col + m.end()))
        result.comments.setdefault(row, col)
        codes: Optional[str] = m.group("codes")
        if codes is None:
            result.rows[row] = ALL
        else:
            parsed = frozenset(c.upper() for c in split_codes(codes))
            prev = result.rows.get(row)
            result.rows[row] = ALL if prev is ALL else (parsed | (prev or frozenset()))
    return result


def split_codes(codes: str) -> List[str]:
    """The codes of a ``noqa: ...`` directive's code list, as written."""
    return [c for c in re.split(r"[\s,]+", codes) if c]


def drop_codes(body: str, comment_col: int, codes: Sequence[str]) -> Optional[Tuple[int, int, str]]:
    """(start column, end column, replacement), 0-based, that removes ``codes`` from the ``# noqa: ...``
    directive in the comment of a line (``body``: the line without its end; ``comment_col``: where the
    tokenizer found its comment). The whole directive goes when no code is left, and the whole comment
    when the directive was all of it. None when the comment has no such directive."""
    m = NOQA_RE.search(body, comment_col)
    if m is None or not m.group("codes"):
        return None
    drop = {c.upper() for c in codes}
    have = split_codes(m.group("codes"))
    kept = [c for c in have if c.upper() not in drop]
    if kept:
        return m.start("codes"), m.end("codes"), ", ".join(kept)
    rest = body[m.end():]
    if rest.strip():  # `# noqa: PIN101 why` -> `# why` (also after a `# type: ignore`)
        return m.start(), m.end() + len(rest) - len(rest.lstrip()), "# "
    if m.start() == comment_col:
        return len(body[:comment_col].rstrip()), len(body), ""  # the comment was only the directive
    return len(body[: m.start()].rstrip()), m.end(), ""  # `# type: ignore  # noqa: PIN101` -> `# type: ignore`


def unused_noqa(noqa: NoqaMap, filename: str, enabled: FrozenSet[str], text: str = "") -> List[Diagnostic]:
    """PIN010 diagnostics: per ``# noqa: ...`` comment, the ``PIN`` codes that suppressed nothing, with
    a safe fix that removes them (given the file's ``text``).

    Codes that are switched off for this file (select / ignore / per-file-ignores) are not reported:
    the finding they are for cannot appear in this run. ``# noqa: PIN010`` on the line silences it."""
    from pinlint.model import Edit, Fix
    from pinlint.output.edit import lines, split_eol
    from pinlint.specs import spec_by_code

    rows_text: List[str] = []  # the file's lines, split only once a finding needs its fix

    specs = spec_by_code()
    spec = specs[UNUSED_NOQA]
    known = [c for c in specs if c != UNUSED_NOQA]
    live = [c for c in enabled if c != UNUSED_NOQA]
    out: List[Diagnostic] = []
    for row in sorted(noqa.rows):
        codes = noqa.rows[row]
        if codes is ALL or UNUSED_NOQA in codes:
            continue
        used = noqa.used.get(row, set())
        unused, unknown = [], []
        for c in sorted(codes):
            if not c.startswith("PIN") or c in used:
                continue
            if not any(k.startswith(c) for k in known):
                unknown.append(c)
            elif any(k.startswith(c) for k in live):
                unused.append(c)
        if not unused and not unknown:
            continue
        parts = []
        if unused:
            parts.append(f"{', '.join(unused)} suppressed nothing")
        if unknown:
            parts.append(f"unknown code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
        start, end = noqa.spans.get(row, (0, 0))
        if text and not rows_text:
            rows_text = lines(text)
        change = None
        if row <= len(rows_text) and row in noqa.comments:
            change = drop_codes(split_eol(rows_text[row - 1])[0], noqa.comments[row], unused + unknown)
        fix = None
        if change is not None:
            edit = Edit(Position(row, change[0] + 1), Position(row, change[1] + 1), change[2])
            fix = Fix(spec.fix_title, "safe", (edit,))
        out.append(
            Diagnostic(
                code=spec.code, name=spec.name, message=spec.message.format(details="; ".join(parts)),
                help=spec.help, severity="warning", filename=filename, start=Position(row, start + 1),
                end=Position(row, end + 1), targets=(), url=spec.url, fix=fix, noqa_rows=(row,),
            )
        )
    return out


# -- --add-noqa ------------------------------------------------------------------------------------

#: Findings that a ``# noqa`` cannot baseline: the file was not analysed.
NOT_BASELINED = frozenset({"PIN000"})


def _line_ends(toks: Sequence[tokenize.TokenInfo]) -> Tuple[Set[int], Dict[int, int]]:
    """Rows whose end is outside any string and not a backslash continuation (a comment can go there),
    and row -> 0-based column of the comment already on that row."""
    ends: Set[int] = set()
    comments: Dict[int, int] = {}
    for tok in toks:
        if tok.type in (tokenize.NEWLINE, tokenize.NL):
            ends.add(tok.start[0])
        elif tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.start[1]
    return ends, comments


def _noqa_edit(body: str, comment_col: Optional[int], codes: Sequence[str], directive: "re.Pattern[str]" = NOQA_RE,
               mark: str = "#") -> Optional[Tuple[int, int, str]]:
    """(start column, end column, replacement), 0-based, that adds ``codes`` to the ``noqa`` directive of a
    line's comment (``body``: the line without its end; ``comment_col``: where its comment starts, None
    when it has none), or appends a new ``{mark} noqa: ...`` comment; None when nothing is to be done.
    ``directive`` and ``mark``: ``# noqa`` by default, ``-- noqa`` for SQL files."""
    if comment_col is not None:
        m = directive.search(body, comment_col)
        if m and m.group("codes"):
            have = {c.upper() for c in split_codes(m.group("codes"))}
            new = [c for c in codes if c not in have]
            if not new:
                return None
            at = m.end("codes")
            return at, at, ", " + ", ".join(new)
        if m:  # a bare `# noqa` already covers everything
            return None
    kept = len(body.rstrip())
    return kept, len(body), f"  {mark} noqa: " + ", ".join(codes)


def _significant(toks: Sequence[tokenize.TokenInfo]) -> List[Tuple[int, str, Tuple[int, int]]]:
    """The token stream without comments and line ends (whose columns an added comment moves)."""
    skip = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE)
    return [(t.type, t.string, t.start) for t in toks if t.type not in skip]


def comments_only_verifier(wanted: Dict[int, List[str]],
                           trimmed: FrozenSet[int] = frozenset()) -> Callable[[str, str], Optional[str]]:
    """``verify`` for pinlint.output.edit: the token streams before and after are identical except for the
    comments of the ``wanted`` rows and of the ``trimmed`` rows (where unused codes are removed), every
    line end stays where it was, each ``wanted`` row now has a ``# noqa`` that covers its codes, and the
    edited file still parses."""
    touched = set(wanted) | set(trimmed)
    from pinlint.output.edit import tokens

    def verify(before: str, after: str) -> Optional[str]:
        try:
            old, new = tokens(before), tokens(after)
        except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
            return f"the edited file would not tokenize ({exc}); not written"
        if _significant(old) != _significant(new):
            return "an edit would change code or a string, not only add a comment; not written"
        ends = [(t.type, t.start[0]) for t in old if t.type in (tokenize.NL, tokenize.NEWLINE)]
        if ends != [(t.type, t.start[0]) for t in new if t.type in (tokenize.NL, tokenize.NEWLINE)]:
            return "an edit would move a line end; not written"
        others = [(t.start, t.string) for t in old if t.type == tokenize.COMMENT and t.start[0] not in touched]
        if others != [(t.start, t.string) for t in new if t.type == tokenize.COMMENT and t.start[0] not in touched]:
            return "an edit would change another comment; not written"
        noqa = parse_noqa(after)
        for row, codes in wanted.items():
            have = noqa.rows.get(row)
            if have is None or (have is not ALL and not all(any(c.startswith(h) for h in have) for c in codes)):
                return f"the comment on line {row} would not suppress {', '.join(codes)}; not written"
        from pinlint.pipeline.parse import ParseFailure, parse

        try:
            parse(after)
        except ParseFailure as exc:
            return f"the edited file would not parse ({exc.reason}); not written"
        return None

    return verify


def sql_line_ends(text: str) -> List[Optional[int]]:
    """Per row of a SQL text (rows split at ``\n``, as pinlint.pipeline.sqlfile counts them): the column
    where the row's ``--`` comment starts, -1 when the row ends outside any string, identifier, dollar
    quote or block comment without a comment, None when it ends inside one (no comment can go there)."""
    out: List[Optional[int]] = []
    state = ""  # "", "'", '"', "/*", or a dollar-quote tag such as "$$" / "$x$"
    for line in text.split("\n"):
        i, comment = 0, -1
        while i < len(line):
            c = line[i]
            if state == "":
                if line.startswith("--", i):
                    comment = i
                    break
                if line.startswith("/*", i):
                    state, i = "/*", i + 2
                    continue
                if c in "'\"":
                    state = c
                elif c == "$":
                    m = re.match(r"\$[A-Za-z_0-9]*\$", line[i:])
                    if m and not (i and (line[i - 1].isalnum() or line[i - 1] == "_")):
                        state, i = m.group(), i + len(m.group())
                        continue
                i += 1
            elif state == "/*":
                end = line.find("*/", i)
                if end < 0:
                    i = len(line)
                else:
                    state, i = "", end + 2
            elif state in ("'", '"'):
                end = line.find(state, i)
                if end < 0:
                    i = len(line)
                elif line.startswith(state * 2, end):  # a doubled quote is the quote character
                    i = end + 2
                else:
                    state, i = "", end + 1
            else:
                end = line.find(state, i)
                if end < 0:
                    i = len(line)
                else:
                    i, state = end + len(state), ""
        out.append(None if state else comment)
    return out


def _add_sql_noqa(result: "NoqaEdit", path: str, diags: Sequence[Diagnostic], recheck,
                  expected_sha256: Optional[str]) -> "NoqaEdit":
    """``add_noqa`` for a ``.sql`` file: ``-- noqa: CODE`` at the end of a line of the statement that
    ends outside any string or block comment (an existing ``-- noqa: ...`` there is extended). Verified
    like the Python edit: the text outside ``--`` comments is unchanged and the findings are gone."""
    from pinlint.output.edit import EditRefused, TextEdit, load, rewrite
    from pinlint.pipeline.sqlfile import NOQA_RE as SQL_NOQA_RE

    diags = [d for d in diags if d.code != UNUSED_NOQA]
    if not diags:
        return result
    try:
        source = load(path, expected_sha256)
    except EditRefused as exc:
        return result.refuse(f"not written: {exc}", diags)
    rows = source.text.split("\n")
    ends = sql_line_ends(source.text)
    wanted, done = _place(diags, lambda r: 1 <= r <= len(ends) and ends[r - 1] is not None, result,
                          "no line of the statement can take a `-- noqa` comment")
    edits = []
    for row, codes in wanted.items():
        line = rows[row - 1]
        body = line[:-1] if line.endswith("\r") else line
        comment = ends[row - 1]
        change = _noqa_edit(body, comment if comment is not None and comment >= 0 else None, sorted(codes),
                            SQL_NOQA_RE, "--")
        if change is not None:
            edits.append(TextEdit(Position(row, change[0] + 1), Position(row, change[1] + 1), change[2]))

    def code_of(text: str) -> List[str]:
        return [line[:c] if c is not None and c >= 0 else line for line, c in
                zip(text.split("\n"), sql_line_ends(text))]

    def verify(before: str, after: str) -> Optional[str]:
        if [x.rstrip() for x in code_of(before)] != [x.rstrip() for x in code_of(after)]:
            return "an edit would change SQL, not only add a comment; not written"
        remaining = {(d.code, d.start) for d in recheck(path, after.encode(source.encoding))}
        if any((d.code, d.start) in remaining for d in done):
            return "a comment would not suppress its finding; not written"
        return None

    if edits:
        try:
            rewrite(source, edits, verify)
        except EditRefused as exc:
            return result.refuse(str(exc), done)
    result.added = sum(len(c) for c in wanted.values())
    return result


def _place(diags: Sequence[Diagnostic], can_take: Callable[[int], bool], result: "NoqaEdit",
           why_not: str) -> Tuple[Dict[int, List[str]], List[Diagnostic]]:
    """(row -> codes to add there, the findings placed): each finding on its reported row or, failing that,
    another of its noqa rows (where the call or statement starts or ends) that ``can_take`` a comment;
    the others go to ``result.left`` with ``why_not``."""
    wanted: Dict[int, List[str]] = {}
    done: List[Diagnostic] = []
    for d in diags:
        candidates = [d.start.row] + [r for r in d.noqa_rows if r != d.start.row]
        row = next((r for r in candidates if can_take(r)), None)
        if row is None:
            result.left.append((d, why_not))
            continue
        if d.code not in wanted.setdefault(row, []):
            wanted[row].append(d.code)
        done.append(d)
    return wanted, done


@dataclass
class NoqaEdit:
    path: str
    added: int = 0
    #: `# noqa` comments whose unused codes were removed (PIN010's fix)
    trimmed: int = 0
    #: findings that got no comment, with the reason
    left: List[Tuple[Diagnostic, str]] = field(default_factory=list)
    #: why the file was not written (None: written, or nothing to do)
    refused: Optional[str] = None

    def refuse(self, reason: str, which: Sequence[Diagnostic]) -> "NoqaEdit":
        """Nothing written, for ``reason``: ``which`` are left."""
        self.refused = reason
        self.left.extend((d, reason) for d in which)
        return self


def add_noqa(path: str, diags: Sequence[Diagnostic], recheck, expected_sha256: Optional[str] = None) -> NoqaEdit:
    """Append ``# noqa: CODE`` for ``diags`` (all of file ``path``) on a line where a comment is a comment:
    the reported line, or another line of the finding's noqa rows (where the call starts or ends) when the
    reported line is inside a multi-line string. Existing ``# noqa: ...`` comments are extended. PIN010
    (unused noqa) is never added: its fix is applied instead, so the unused codes leave the comment.

    ``expected_sha256``: the hash of the bytes that were analysed; a file that no longer has them is not
    edited. The edit is made and checked by pinlint/output/edit.py (rows of the universal line model, the
    token stream unchanged but for the comments, the file still parses), and ``recheck(path, data)`` must
    no longer report the baselined findings; otherwise nothing is written. Encoding, BOM, line endings,
    permission bits and owner are kept; the write is atomic."""
    from pinlint.output.edit import EditRefused, TextEdit, load, lines, rewrite, split_eol, tokens

    result = NoqaEdit(path)
    result.left = [(d, "the file was not analysed") for d in diags if d.code in NOT_BASELINED]
    diags = [d for d in diags if d.code not in NOT_BASELINED]
    if path.endswith(".sql"):
        return _add_sql_noqa(result, path, diags, recheck, expected_sha256)
    if not diags:
        return result
    try:
        source = load(path, expected_sha256)
    except EditRefused as exc:
        return result.refuse(f"not written: {exc}", diags)
    try:
        ends, comments = _line_ends(tokens(source.text))
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        return result.refuse(f"cannot tokenize: {exc}", diags)
    rows = lines(source.text)
    #: row -> the PIN010 fix's edit on it (remove the unused codes), never a `# noqa: PIN010`
    drops: Dict[int, Tuple[int, int, str]] = {}
    trimmed: List[Diagnostic] = []
    for d in [d for d in diags if d.code == UNUSED_NOQA]:
        edit = d.fix.edits[0] if d.fix is not None and len(d.fix.edits) == 1 else None
        if edit is None or edit.start.row != edit.end.row or not 1 <= edit.start.row <= len(rows):
            result.left.append((d, "the unused codes cannot be removed here; edit the comment by hand"))
            continue
        drops[edit.start.row] = (edit.start.column - 1, edit.end.column - 1, edit.content)
        trimmed.append(d)
    wanted, done = _place([d for d in diags if d.code != UNUSED_NOQA], lambda r: r in ends and 1 <= r <= len(rows),
                          result, "no line of the finding can take a comment")
    done = trimmed + done
    if not wanted and not drops:
        return result
    edits = []
    for row in sorted(set(wanted) | set(drops)):
        body = split_eol(rows[row - 1])[0]
        new = body
        comment_col = comments.get(row)
        if row in drops:
            start, end, text = drops[row]
            new = body[:start] + text + body[end:]
            if comment_col is not None and comment_col >= len(new.rstrip()):
                comment_col = None  # the comment went with the codes
        if row in wanted:
            change = _noqa_edit(new, comment_col, sorted(wanted[row]))
            if change is not None:
                new = new[: change[0]] + change[2] + new[change[1]:]
        if new != body:
            edits.append(TextEdit(Position(row, 1), Position(row, len(body) + 1), new))
    verify_comments = comments_only_verifier(wanted, frozenset(drops))

    def verify(before: str, after: str) -> Optional[str]:
        reason = verify_comments(before, after)
        if reason:
            return reason
        found = recheck(path, after.encode(source.encoding))
        remaining = {(d.code, d.start) for d in found}
        if any((d.code, d.start) in remaining for d in done if d.code != UNUSED_NOQA):
            return "a comment would not suppress its finding; not written"
        if any(d.code == UNUSED_NOQA and d.start.row in drops for d in found):
            return "a `# noqa` comment would still name an unused code; not written"
        return None

    try:
        rewrite(source, edits, verify)
    except EditRefused as exc:
        return result.refuse(str(exc), done)
    result.added = sum(len(c) for c in wanted.values())
    result.trimmed = len(drops)
    return result

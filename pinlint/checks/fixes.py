"""How a check says what would fix its finding: a fix *plan*, built only in a run that shows or applies fixes.

A verdict (``Verdict``, ``NodeVerdict``) may carry ``fix``: a function ``fix(FixContext) -> FixPlan | None``.
The evaluation calls it only when fixes are asked for (``--fix``, ``--diff``, and the ``full``, ``json`` and
``sarif`` formats: ``RunOptions.fixes``); a default run never does, so a check pays only for a closure.
``None`` means that no mechanical fix applies here (the value is dynamic, the call is not visibly inside a
transaction, the fix would not remove the finding for the selected targets, ...).

A plan is a title and edits stated on the file's libcst tree; pinlint/output/fix_edits.py turns them into
text edits at the tree's positions, so everything the edits do not touch keeps its formatting and comments:

- ``Replace(node, code)``: the node's source becomes ``code``;
- ``AddElement(container, code)``: one more keyword argument of a call, or entry of a dict display, after
  the last one, in the container's own layout (one line, or one element per line with the same indentation
  and trailing comma);
- ``LiteralSpan(literal, start, end, text)``: characters [start, end) of a plain string literal's value
  (a URL's query parameter);
- ``SqlSpan(site, start, end, text)``: characters [start, end) of a SQL site's text, where that text is
  written: a literal in this file, or a constant (or a function's returned literal) in another module of the
  project (``SqlSite.via``: the constant is edited there, and the title says where);
- ``Remove(statement)``: a simple statement's lines;
- ``Unwrap(try_statement)``: a ``try``/``finally`` whose ``finally`` held only a removed statement becomes
  its body, dedented.

The helpers below build the usual plans. ``FixContext`` gives a builder the file's facts and the parents of
nodes (for "is this call inside ``with conn.transaction():``").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from pinlint.lazy import cst

if TYPE_CHECKING:  # pragma: no cover
    from pinlint.facts.model import CallFact, Facts, SqlSite
    from pinlint.targets import TargetSet


@dataclass(frozen=True)
class Replace:
    node: "cst.CSTNode"
    code: str


@dataclass(frozen=True)
class AddElement:
    #: a ``cst.Call`` (the element is a keyword argument) or a ``cst.Dict`` (an entry)
    container: "cst.CSTNode"
    code: str


@dataclass(frozen=True)
class LiteralSpan:
    literal: "cst.SimpleString"
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class SqlSpan:
    site: "SqlSite"
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Remove:
    statement: "cst.SimpleStatementLine"


@dataclass(frozen=True)
class Unwrap:
    statement: "cst.Try"


@dataclass(frozen=True)
class FixPlan:
    title: str
    edits: Tuple[object, ...]
    #: None: the rule's ``fix-safety``; ``"unsafe"``: this fix is less safe than the rule's (a fix is never
    #: safer than its rule)
    applicability: Optional[str] = None


class FixContext:
    """What a fix builder may read: the file's facts and targets, and the parents of its nodes."""

    def __init__(self, facts: "Facts", targets: "TargetSet", path: str = "") -> None:
        self.facts = facts
        self.targets = targets
        self.path = path
        self._parents: Optional[Dict[int, "cst.CSTNode"]] = None

    @property
    def module(self) -> "cst.Module":
        return self.facts.module

    def parent(self, node: "cst.CSTNode") -> Optional["cst.CSTNode"]:
        if self._parents is None:
            parents: Dict[int, cst.CSTNode] = {}
            stack = [self.module]
            while stack:
                n = stack.pop()
                for child in n.children:
                    parents[id(child)] = n
                    stack.append(child)
            self._parents = parents
        return self._parents.get(id(node))

    def ancestors(self, node: "cst.CSTNode") -> Iterator["cst.CSTNode"]:
        p = self.parent(node)
        while p is not None:
            yield p
            p = self.parent(p)

    def function_of(self, node: "cst.CSTNode") -> Optional["cst.FunctionDef"]:
        """The innermost function definition around ``node`` (None at module level or in a lambda)."""
        for a in self.ancestors(node):
            if isinstance(a, cst.FunctionDef):
                return a
            if isinstance(a, (cst.Lambda, cst.ClassDef)):
                return None
        return None

    def inside(self, node: "cst.CSTNode", outer: "cst.CSTNode") -> bool:
        return any(a is outer for a in self.ancestors(node))


FixBuilder = Callable[[FixContext], Optional[FixPlan]]


# -- keyword arguments and dict entries ----------------------------------------------------------------

def own_arg(call: "CallFact", name: str) -> Optional["cst.Arg"]:
    """The keyword argument ``name=`` written in the call itself (not one that ``**kwargs`` passes)."""
    for arg in call.node.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def keyword(call: "CallFact", name: str, value: str, title: Optional[str] = None,
            applicability: Optional[str] = None) -> FixBuilder:
    """``name=value`` on the call: its value replaced when the call passes ``name=`` itself, else added."""
    def build(fctx: FixContext) -> Optional[FixPlan]:
        arg = own_arg(call, name)
        if arg is None:
            if call.kwarg(name) is not None:
                return None  # passed through ``**kwargs``: the dict is elsewhere
            return FixPlan(title or f"Add `{name}={value}`", (AddElement(call.node, f"{name}={value}"),),
                           applicability)
        return FixPlan(title or f"Set `{name}={value}`", (Replace(arg.value, value),), applicability)

    return build


def string_key(element: object) -> Optional[str]:
    """The key of a dict display's entry when it is a plain string literal."""
    if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
        value = element.key.evaluated_value
        return value if isinstance(value, str) else None
    return None


def quote_like(container: "cst.Dict", key: str) -> str:
    """``key`` as a string literal quoted like the display's other keys."""
    for e in container.elements:
        if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString):
            if e.key.quote == "'" and "'" not in key:
                return f"'{key}'"
            break
    return '"' + key + '"'


def entry_edit(container: Optional["cst.BaseExpression"], key: str, value: str) -> Optional[object]:
    """The edit that makes ``key: value`` an entry of a dict display: its value replaced, or the entry
    added; None when ``container`` is not a dict display whose entries are all plain (no ``**``)."""
    if not isinstance(container, cst.Dict):
        return None
    if any(not isinstance(e, cst.DictElement) for e in container.elements):
        return None  # ``**other``: the key may come from there
    for e in container.elements:
        if string_key(e) == key:
            return Replace(e.value, value)
    return AddElement(container, f"{quote_like(container, key)}: {value}")


def entry(container: Optional["cst.BaseExpression"], key: str, value: str, title: str,
          applicability: Optional[str] = None) -> FixBuilder:
    def build(fctx: FixContext) -> Optional[FixPlan]:
        edit = entry_edit(container, key, value)
        return None if edit is None else FixPlan(title, (edit,), applicability)

    return build


def keyword_dict_entry(call: "CallFact", kwarg: str, key: str, value: str, title: Optional[str] = None
                       ) -> FixBuilder:
    """``call(kwarg={key: value})``: the entry set in the call's own dict display, or the keyword added."""
    def build(fctx: FixContext) -> Optional[FixPlan]:
        arg = own_arg(call, kwarg)
        if arg is None:
            if call.kwarg(kwarg) is not None:
                return None
            code = f'{kwarg}={{"{key}": {value}}}'
            return FixPlan(title or f"Add `{code}`", (AddElement(call.node, code),))
        edit = entry_edit(arg.value, key, value)
        if edit is None:
            return None
        verb = "Set" if isinstance(edit, Replace) else "Add"
        where = "in" if verb == "Set" else "to"
        return FixPlan(title or f'{verb} `"{key}": {value}` {where} `{kwarg}`', (edit,))

    return build


def replace(node: Optional["cst.CSTNode"], code: str, title: str, applicability: Optional[str] = None
            ) -> Optional[FixBuilder]:
    if node is None:
        return None
    return lambda fctx: FixPlan(title, (Replace(node, code),), applicability)


def combine(title: str, *builders: Optional[FixBuilder]) -> Optional[FixBuilder]:
    """One fix made of several: all of them apply, or none."""
    if any(b is None for b in builders):
        return None

    def build(fctx: FixContext) -> Optional[FixPlan]:
        edits: List[object] = []
        unsafe = False
        for b in builders:
            plan = b(fctx)  # type: ignore[misc]
            if plan is None:
                return None
            edits.extend(plan.edits)
            unsafe = unsafe or plan.applicability == "unsafe"
        return FixPlan(title, tuple(edits), "unsafe" if unsafe else None)

    return build


# -- URLs in literals ---------------------------------------------------------------------------------

def plain_literal(node: Optional["cst.CSTNode"]) -> Optional["cst.SimpleString"]:
    """A string literal whose source text is its value (no escapes, not bytes): offsets into the value
    are offsets into the source."""
    if not isinstance(node, cst.SimpleString) or "b" in node.prefix.lower():
        return None
    try:
        value = node.evaluated_value
    except Exception:  # pragma: no cover - libcst evaluates every valid literal
        return None
    return node if isinstance(value, str) and value == node.raw_value else None


def url_param(node: Optional["cst.CSTNode"], key: str, value: str) -> Optional[object]:
    """The edit that sets the query parameter ``key=value`` of a literal URL (replacing its value when it
    is there, else appending it); None when the URL is not a plain literal or has a fragment."""
    literal = plain_literal(node)
    if literal is None:
        return None
    url = literal.raw_value
    if "#" in url or "://" not in url:
        return None
    head, question, query = url.partition("?")
    if question:
        at = len(head) + 1
        for part in query.split("&"):
            name, eq, old = part.partition("=")
            if name == key:
                start = at + len(name) + len(eq)
                if not eq:
                    return LiteralSpan(literal, at + len(name), at + len(name), "=" + value)
                return LiteralSpan(literal, start, start + len(old), value)
            at += len(part) + 1
        sep = "" if url.endswith(("?", "&")) else "&"
    else:
        sep = "?"
    return LiteralSpan(literal, len(url), len(url), f"{sep}{key}={value}")


# -- transactions -------------------------------------------------------------------------------------

#: methods that open a transaction block as a context manager: psycopg ``conn.transaction()``, asyncpg
#: ``conn.transaction()``, SQLAlchemy ``engine.begin()`` / ``conn.begin()`` / ``session.begin()`` /
#: ``begin_nested()``
TRANSACTION_METHODS = ("transaction", "begin", "begin_nested")
DJANGO_ATOMIC = ("django.db.transaction.atomic",)


def receiver(call: "cst.Call") -> Optional[str]:
    from pinlint.facts.model import dotted

    func = call.func
    return dotted(func.value) if isinstance(func, cst.Attribute) else None


def _unawait(node: "cst.BaseExpression") -> "cst.BaseExpression":
    while isinstance(node, cst.Await):
        node = node.expression
    return node


def in_transaction(fctx: FixContext, site: "SqlSite") -> bool:
    """Whether the call that sends a site's SQL is visibly inside a transaction block of its connection:
    ``with conn.transaction():`` (psycopg, asyncpg) around ``conn.execute`` or a cursor of ``conn`` opened in
    a ``with`` there, ``with engine.begin() as conn:`` around ``conn.execute``, ``with session.begin():``,
    or Django's ``with transaction.atomic():`` / ``@transaction.atomic`` around Django's connection."""
    call = site.call
    if call is None or site.wrapper is not None or site.context is not None:
        return False
    sender = receiver(call)
    if sender is None:
        return False
    names = {sender}  # the receiver and what it was opened from (``with conn.cursor() as cur``)
    withs: List["cst.With"] = []
    decorators: List["cst.Decorator"] = []
    for a in fctx.ancestors(call):
        if isinstance(a, cst.With):
            withs.append(a)
        elif isinstance(a, cst.FunctionDef):
            decorators = list(a.decorators)
            break
        elif isinstance(a, (cst.Lambda, cst.ClassDef)):
            break
    items = [item for w in withs for item in w.items]
    for item in items:  # cursors opened from a connection: ``with conn.cursor() as cur``
        expr = _unawait(item.item)
        if isinstance(expr, cst.Call) and isinstance(item.asname, cst.AsName) and \
                isinstance(item.asname.name, cst.Name) and item.asname.name.value in names:
            owner = receiver(expr)
            if owner is not None and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "cursor":
                names.add(owner)
    # Django's connection (``connection.cursor()``): ``transaction.atomic()`` is its transaction block
    django = any(fctx.facts.imports.get(n.split(".")[0], "").startswith("django.db.connection") for n in names)
    if django and any(fctx.facts.resolve(_decorator(d)) in DJANGO_ATOMIC for d in decorators):
        return True
    for item in items:
        expr = _unawait(item.item)
        if not isinstance(expr, cst.Call):
            continue
        if django and fctx.facts.resolve(expr.func) in DJANGO_ATOMIC:
            return True
        if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in TRANSACTION_METHODS:
            owner = receiver(expr)
            bound = item.asname.name.value if isinstance(item.asname, cst.AsName) and \
                isinstance(item.asname.name, cst.Name) else None
            if owner in names or (bound is not None and bound in names):
                return True
    return False


def _decorator(d: "cst.Decorator") -> "cst.BaseExpression":
    return d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator


# -- statements ---------------------------------------------------------------------------------------

def statement_of(fctx: FixContext, call: "cst.Call") -> Optional["cst.SimpleStatementLine"]:
    """The statement line that is nothing but this call (``conn.execute(...)``, ``await ...``)."""
    parent = fctx.parent(call)
    if isinstance(parent, cst.Await):
        parent = fctx.parent(parent)
    if not isinstance(parent, cst.Expr):
        return None
    line = fctx.parent(parent)
    if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
        return line
    return None


def removal(fctx: FixContext, line: "cst.SimpleStatementLine") -> Optional[object]:
    """The edit that removes a statement line: the line itself when its block keeps other statements, or
    the ``try`` around it when it is all its ``finally`` holds; None otherwise."""
    block = fctx.parent(line)
    if not isinstance(block, cst.IndentedBlock):
        return None
    if len(block.body) > 1:
        return Remove(line)
    final = fctx.parent(block)
    tried = fctx.parent(final) if isinstance(final, cst.Finally) else None
    if isinstance(tried, cst.Try) and not tried.handlers and tried.orelse is None \
            and isinstance(tried.body, cst.IndentedBlock):
        return Unwrap(tried)
    return None


def statements_in(fctx: FixContext, function: "cst.FunctionDef", sites: Sequence["SqlSite"]) -> List["SqlSite"]:
    """The sites whose call is inside ``function``."""
    return [s for s in sites if s.call is not None and fctx.inside(s.call, function)]


def calls_method(node: "cst.CSTNode", name: str) -> bool:
    """Whether anything under ``node`` calls a method ``name`` (``conn.commit()``)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == name:
            return True
        stack.extend(n.children)
    return False


def source(node: Optional["cst.CSTNode"]) -> str:
    if node is None:
        return ""
    return cst.Module(body=[]).code_for_node(node)

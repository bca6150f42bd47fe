"""The public facts of one module: what checks read (never the extractor's internals).

``Facts`` holds the module's imports, every call (``CallFact``, with its qualified name through the file's
imports and its scope), the SQL sites (``SqlSite``: SQL text that reaches a driver or ORM call), the
functions, and the bindings the driver rules follow (what a value is bound to, ``obj.attr = value``,
``x[key] = value``, the module's string expressions). Values are read with ``Facts.value`` (a Python
literal, names followed) and ``Facts.string`` (static text with HOLE for unknown parts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

    from pinlint.facts.index.model import SqlText, Wrapper


@dataclass
class SqlSite:
    """SQL text that reaches a driver or ORM call."""

    text: str
    #: the node where the SQL text is written (a string literal) or, failing that, the call argument
    node: cst.CSTNode
    #: the call that sends the SQL (None for SQL a Django ENGINE string stands for)
    call: Optional[cst.Call]
    sink: str
    framework: Optional[str]
    #: "mysql" or "postgres"; "mixed" when the file uses both and this call could not be tied to one
    #: (the configured dialect applies, else dialect-dependent rules stay quiet). See pinlint.facts.dialect.
    dialect: str
    #: a plain string literal whose value is ``text`` character for character (precise positions)
    literal: Optional[cst.SimpleString] = None
    #: where the SQL text is written when that is another place of the project (constant, function
    #: returning SQL, loaded .sql file): the finding is reported at ``node`` and names these
    via: Tuple["SqlText", ...] = ()
    #: the project wrapper the SQL goes through (``run("SET ...")`` with ``def run(sql): cur.execute(sql)``)
    wrapper: Optional["Wrapper"] = None
    #: False when the code names no database driver at all: ``dialect`` is then the PostgreSQL default,
    #: and the configured dialect (``[tool.pinlint] dialect``) overrides it (pinlint.facts.dialect.effective)
    dialect_known: bool = True
    #: why the dialect is what it is when the code does not show the driver (``GET_LOCK`` is MySQL's, the
    #: project's dependencies name PyMySQL): findings say so. None when the code shows it.
    dialect_reason: Optional[str] = None
    #: the third-party API that sends this SQL (``advisory_lock()`` of django-pglocks), when the SQL comes
    #: from the session-API catalog (pinlint.facts.session_apis)
    api: Optional[str] = None
    #: sites that are alternatives of one argument (a name bound in both branches of an ``if``) share this
    #: key: a rule reports the first of them only
    alternative_of: Optional[int] = None
    #: where the SQL runs when that changes its verdict: ``"connection-init"`` for SQL in a hook that runs on
    #: every new connection (set by the connection-init-state check before the SQL checks run), else None
    context: Optional[str] = None


class _Unknown:
    """A value static analysis cannot know."""

    _instance = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN = _Unknown()


@dataclass
class CallFact:
    """A call in the module, with its target resolved through the file's imports."""

    node: cst.Call
    #: qualified name through imports (``psycopg.connect``, ``sqlalchemy.create_engine``), or None
    qualname: Optional[str]
    #: the target as written (``conn.cursor``, ``asyncpg.create_pool``), or None for e.g. ``f()()``
    written: Optional[str]
    #: the last name of the target (``cursor`` for ``conn.cursor(...)``, ``connect`` for ``connect(...)``)
    last: str
    scope: "Scope"
    #: keyword arguments passed with ``**`` whose dict the module shows (``connect(**kwargs)`` with
    #: ``kwargs`` built in the function or returned by one of the module's functions)
    expanded: Dict[str, cst.BaseExpression] = field(default_factory=dict)
    #: False when a ``**`` argument may hold keys the module does not show
    expanded_complete: bool = True

    def kwarg(self, name: str) -> Optional[cst.BaseExpression]:
        for arg in self.node.args:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg.value
        return self.expanded.get(name)

    def positional(self, index: int) -> Optional[cst.BaseExpression]:
        pos = [a for a in self.node.args if a.keyword is None and not a.star]
        return pos[index].value if index < len(pos) else None

    @property
    def has_star_kwargs(self) -> bool:
        """Whether ``**`` arguments may pass keywords the module does not show."""
        return not self.expanded_complete


@dataclass(frozen=True)
class AttrWrite:
    """``obj.attr = value``: the object as written (``conn``, ``self.conn``; None for ``f().x``), the
    attribute, the value, its place in the walk (as ``Facts.call_order``) and the scope it is in."""

    owner: Optional[str]
    attr: str
    value: cst.BaseExpression
    order: int
    scope: "Scope"


@dataclass
class Facts:
    module: cst.Module
    imports: Dict[str, str]
    sql_sites: List[SqlSite] = field(default_factory=list)
    #: every call in the module, in source order
    calls: List[CallFact] = field(default_factory=list)
    #: every function definition with the scope of its body
    functions: List[Tuple[cst.FunctionDef, "Scope"]] = field(default_factory=list)
    module_scope: Optional["Scope"] = None
    #: id(value node) -> the name it is bound to (``engine = create_engine(...)``, ``with ... as conn``)
    bound: Dict[int, str] = field(default_factory=dict)
    #: ``obj.attr = value``: attr -> values
    attr_assigns: Dict[str, List[cst.BaseExpression]] = field(default_factory=dict)
    #: ``x[key] = value``
    subscript_assigns: List[Tuple[cst.Subscript, cst.BaseExpression]] = field(default_factory=list)
    #: ``obj.attr = value`` with the object written to, in source order
    attr_writes: List["AttrWrite"] = field(default_factory=list)
    #: id(call node) -> its place in the walk (comparable with ``AttrWrite.order``)
    call_order: Dict[int, Tuple[int, Tuple[int, ...]]] = field(default_factory=dict)
    #: outermost string expressions outside docstrings (bare string statements)
    strings: List[cst.BaseExpression] = field(default_factory=list)
    #: the evaluator behind ``value``/``string``/``lookup``/``resolve`` (set by the extractor)
    evaluator: Optional["ValueSource"] = field(default=None, repr=False)

    def imported(self, prefixes: Sequence[str]) -> bool:
        return any(within(q, prefixes) for q in self.imports.values())

    def release(self) -> None:
        """Let go of the evaluator once the file's analysis is done. The extractor behind it and the
        helpers it hands itself to refer to each other, so without this the file's whole syntax tree is
        cyclic garbage, which only the garbage collector frees (by a scan of every node: a tenth of a
        run's CPU on SQLAlchemy); after it, reference counting frees the tree at once. Afterwards the
        facts answer as if no evaluator were set."""
        evaluator, self.evaluator = self.evaluator, None
        close = getattr(evaluator, "close", None)
        if close is not None:
            close()

    def value(self, node: Optional[cst.BaseExpression], scope: Optional["Scope"] = None) -> object:
        """The Python value of a literal expression (str, int, float, bool, None, dict, list, tuple), names
        resolved in ``scope`` (default: module); UNKNOWN for anything else."""
        if node is None or self.evaluator is None:
            return UNKNOWN
        return self.evaluator.literal(node, scope or self.module_scope)

    def string(self, node: Optional[cst.BaseExpression], scope: Optional["Scope"] = None) -> Optional[str]:
        """Static string value with HOLE for unknown parts (see pinlint.facts.values), or None."""
        if node is None or self.evaluator is None:
            return None
        return self.evaluator.string(node, scope or self.module_scope)

    def texts(self, node: Optional[cst.BaseExpression], scope: Optional["Scope"] = None) -> List[Optional[str]]:
        """The static strings ``node`` may hold, one per alternative (``"-c x=1" if flag else None``, a name
        bound in both branches of an ``if``); None for an alternative that is not a static string."""
        if node is None or self.evaluator is None:
            return [None]
        return self.evaluator.texts(node, scope or self.module_scope)

    def lookup(self, name: str, scope: Optional["Scope"] = None) -> Optional[cst.BaseExpression]:
        """The one expression ``name`` is bound to in ``scope`` or an enclosing scope; None when it is bound
        more than once (or not at all)."""
        if self.evaluator is None:
            return None
        return self.evaluator.lookup(name, scope or self.module_scope)

    def receiver(self, call: cst.Call, scope: Optional["Scope"] = None) -> Tuple[List[str], List[str]]:
        """Where a method call's receiver comes from: the names it goes back to and the qualified names of
        the calls that made it. ``cur.execute(...)`` after ``cur = listener_conn.cursor()`` (or ``with
        listener_conn.cursor() as cur``) and ``listener_conn = psycopg.connect(...)`` gives
        (``["cur", "listener_conn"]``, ``["psycopg.connect"]``); ``self.conn.cursor().execute(...)`` gives
        ``["self.conn"]``."""
        import libcst as cst

        names: List[str] = []
        made_by: List[str] = []
        node: Optional[cst.BaseExpression] = call.func.value if isinstance(call.func, cst.Attribute) else None
        for _ in range(8):
            if node is None:
                break
            if isinstance(node, cst.Await):
                node = node.expression
            elif isinstance(node, cst.Call):  # listener_conn.cursor(), sqlite3.connect(...)
                q = self.resolve(node.func)
                if q is not None:
                    made_by.append(q)
                node = node.func.value if isinstance(node.func, cst.Attribute) else None
            elif isinstance(node, (cst.Name, cst.Attribute)):
                name = dotted(node)
                if name is None or name in names:
                    break
                names.append(name)
                node = self._bound_to(node.value, scope) if isinstance(node, cst.Name) else None
            else:
                break
        return names, made_by

    def _bound_to(self, name: str, scope: Optional["Scope"]) -> Optional[cst.BaseExpression]:
        """The one expression ``name`` is bound to, by assignment or by ``with <expr> as name``."""
        found = self.lookup(name, scope)
        s = scope
        while found is None and s is not None:
            items = s.managed.get(name)
            if items:
                return items[0] if len(items) == 1 else None
            s = s.parent
        return found

    def dict_items(self, node: Optional[cst.BaseExpression], scope: Optional["Scope"] = None
                   ) -> Optional[Tuple[Dict[str, cst.BaseExpression], bool]]:
        """The string-keyed entries of a dict display (or a name bound to one, or ``dict(...)``) and whether
        the keys are complete; None when the node is not a dict."""
        if node is None or self.evaluator is None:
            return None
        return self.evaluator.dict_items(node, scope or self.module_scope)

    def setting_text(self, node: Optional[cst.BaseExpression], scope: Optional["Scope"] = None) -> Optional[str]:
        """A configuration string (a URL, a DSN): like ``string``, with an environment getter's default
        (``os.getenv("DATABASE_URL", "postgresql://...")``) taken as its value."""
        if node is None or self.evaluator is None:
            return None
        return self.evaluator.setting_text(node, scope or self.module_scope)

    def resolve(self, node: cst.BaseExpression) -> Optional[str]:
        """Qualified name of a Name/Attribute through the file's imports."""
        if self.evaluator is None:
            return None
        return self.evaluator.qualified(node)


class ValueSource:
    """What ``Facts`` asks for values (the extractor provides it)."""

    def literal(self, node: cst.BaseExpression, scope: Optional["Scope"]) -> object:  # pragma: no cover
        raise NotImplementedError

    def string(self, node: cst.BaseExpression, scope: Optional["Scope"]) -> Optional[str]:  # pragma: no cover
        raise NotImplementedError

    def texts(self, node: cst.BaseExpression, scope: Optional["Scope"]) -> List[Optional[str]]:  # pragma: no cover
        raise NotImplementedError

    def lookup(self, name: str, scope: Optional["Scope"]) -> Optional[cst.BaseExpression]:  # pragma: no cover
        raise NotImplementedError

    def qualified(self, node: cst.BaseExpression) -> Optional[str]:  # pragma: no cover
        raise NotImplementedError

    def dict_items(self, node: cst.BaseExpression, scope: Optional["Scope"]
                   ) -> Optional[Tuple[Dict[str, cst.BaseExpression], bool]]:  # pragma: no cover
        raise NotImplementedError

    def setting_text(self, node: cst.BaseExpression, scope: Optional["Scope"]) -> Optional[str]:  # pragma: no cover
        raise NotImplementedError


def within(qualname: str, prefixes: Sequence[str]) -> bool:
    """Whether a qualified name is one of ``prefixes`` or inside one (``snowflake.connector.connect``)."""
    return any(qualname == p or qualname.startswith(p + ".") for p in prefixes)


def dotted(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    import libcst as cst  # here, not at the top: the checks import this module before any file needs libcst

    parts: List[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def module_name_of(node: cst.BaseExpression) -> str:
    return dotted(node) or ""


class Scope:
    __slots__ = ("parent", "kind", "assigns", "cls", "managed", "params", "name", "flow", "returns", "appended")

    def __init__(self, parent: Optional["Scope"], kind: str, cls: Optional[str] = None,
                 name: Optional[str] = None) -> None:
        self.parent = parent
        #: the function's or class's name (None for the module and lambdas)
        self.name = name
        self.kind = kind  # "module" | "function" | "class"
        self.assigns: Dict[str, List[cst.BaseExpression]] = {}
        #: the dotted name of the class whose body (or method) this scope is, for ``self.X`` / ``cls.X``
        self.cls = cls
        #: ``with EXPR as name``: name -> the context managers it is bound to
        self.managed: Dict[str, List[cst.BaseExpression]] = {}
        #: the function's parameters -> their annotation as written (``asyncpg.Connection``), or None
        self.params: Dict[str, Optional[str]] = {}
        #: every binding of a name in source order: (``"="`` or ``"+="``, value, the compound statements it
        #: sits in (ids), its place in the walk); what the name may hold at a given call (pinlint.facts.flow)
        self.flow: Dict[str, List[Tuple[str, cst.BaseExpression, Tuple[int, ...], int]]] = {}
        #: the values of the function's ``return`` statements
        self.returns: List[cst.BaseExpression] = []
        #: ``name.append(x)`` / ``.extend(seq)`` / ``.insert(i, x)``: name -> (place in the walk, the call)
        self.appended: Dict[str, List[Tuple[int, cst.Call]]] = {}


def class_of(scope: Scope) -> Optional[str]:
    """The dotted name of the class whose method (or body) ``scope`` is."""
    s: Optional[Scope] = scope
    while s is not None:
        if s.cls is not None:
            return s.cls
        s = s.parent
    return None


def self_attr(node: cst.BaseExpression) -> Optional[str]:
    """``x`` for ``self.x`` / ``cls.x``, else None."""
    import libcst as cst

    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value in ("self", "cls"):
        return node.attr.value
    return None


def unwrap_await(node: cst.BaseExpression) -> cst.BaseExpression:
    import libcst as cst

    while isinstance(node, cst.Await):
        node = node.expression
    return node



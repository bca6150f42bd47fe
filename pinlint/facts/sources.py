"""SQL sites that do not come from a SQL sink call: third-party APIs of the session-API catalog (and the
Django backends it names), Django ``QuerySet.extra`` fragments, and complete SQL statements passed to any
other call that talks to a database. A mixin of the extractor (pinlint.facts.extract)."""

from __future__ import annotations

import re
from functools import lru_cache

import libcst as cst

from pinlint.facts.catalog import (
    EXTRA_FRAGMENTS,
    SQL_KEYWORD_ARGS,
    is_non_sql_call,
    receiver_looks_like_db,
    sink_like_name,
)
from pinlint.facts.model import CallFact, Scope

def _last_name(node: cst.BaseExpression) -> str:
    """The last name of a receiver expression, calls unwrapped (``self.db`` -> ``db``, ``get_conn()`` ->
    ``get_conn``)."""
    while isinstance(node, cst.Call):
        node = node.func
    return node.attr.value if isinstance(node, cst.Attribute) else (node.value if isinstance(node, cst.Name) else "")


#: names of constants that hold statements to run
SQL_LIST_NAME = re.compile(r"(?i)sql|quer|statement|command")


_FIRST_WORD = re.compile(r"\s*([A-Za-z_]+)")


@lru_cache(maxsize=4096)
def complete_sql(text: str) -> bool:
    """Whether a text is SQL through and through: one or more statements, each of them recognised by the
    PostgreSQL or the MySQL grammar (prose, log text and fragments are not). A text whose first word no
    grammar starts a statement with is not, and is not tokenized (``"Big data" * 68000`` in a test)."""
    from pinlint.sql.classify import classify, statement_words

    first = _FIRST_WORD.match(text)
    if first is not None and first.group(1).upper() not in statement_words():
        return False
    for dialect in ("postgres", "mysql"):
        statements = classify(text, dialect)
        if statements and all(st.kind != "unknown" for st in statements):
            return True
    return False



class OtherSources:
    """The extractor's methods for the SQL sites this module's docstring lists (they read the extractor's
    collector, catalog and evaluators)."""

    def _api_site(self, call: cst.Call, scope: Scope, func: cst.BaseExpression, last: str) -> bool:
        """A call of a third-party API that leaves session state (pinlint.facts.session_apis): a site with
        the SQL the library sends, unless the call passes the keyword that makes it safe."""
        assert self._apis is not None
        qualname = self.qualified(func)
        api = self._apis.get(qualname)
        if api is None and isinstance(func, cst.Attribute):
            # ``lock = Locker(...); lock.lock()``: a method of an object made by a catalog class
            made = func.value
            if isinstance(made, cst.Name):
                bound = self._lookup(made.value, scope)
                made = bound if bound is not None else made
            if isinstance(made, cst.Call):
                owner = self.qualified(made.func)
                api = self._apis.get(f"{owner}.{last}") if owner else None
        if api is None:
            return False
        if api.safe_when is not None:
            node = CallFact(call, None, None, last, scope).kwarg(api.safe_when[0])
            if node is not None and self.literal(node, scope) == api.safe_when[1]:
                return True
        self._add(api.sql, call, call, "api", scope, dialect=api.dialect, api=f"`{last}()` of {api.library}",
                  key=(id(call), "api"))
        return True

    def _engine_sites(self) -> None:
        """``"ENGINE": "django_tenants.postgresql_backend"``: a backend that sends session SQL on every cursor."""
        assert self._apis is not None
        for node in self.facts.strings:
            if not isinstance(node, cst.SimpleString) or "." not in node.value:
                continue
            try:
                value = node.evaluated_value
            except Exception:  # pragma: no cover - a literal libcst cannot evaluate
                continue
            api = self._apis.engines.get(value) if isinstance(value, str) else None
            if api is not None:
                self._add(api.sql, node, None, "api", self.collector.module_scope, dialect=api.dialect,
                          api=f"the `{value}` database backend ({api.library}, on every cursor)",
                          key=(id(node), "api"))

    def _generic_site(self, call: cst.Call, scope: Scope, last: str) -> None:
        """Any other call that is not clearly something else (``is_non_sql_call``) and that looks like it
        talks to a database (a sink's name, a database-handle receiver, or a file that uses a server database
        library): a complete SQL statement as its SQL argument is SQL the code sends."""
        if self._sqlite_only or not last or id(call) in self.collector.asserted_calls \
                or is_non_sql_call(last, self.qualified(call.func)):
            return
        if isinstance(call.func, cst.Name) and last in self._own_functions:
            return  # a function of this module that the index did not find sending its argument as SQL
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        if not (sink_like_name(last) or self._server_db or (receiver is not None and (
                receiver_looks_like_db(_last_name(receiver)) or self._db_handle(receiver, scope)))):
            return
        candidates = [a.value for a in call.args if a.keyword is not None and a.keyword.value in SQL_KEYWORD_ARGS]
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        candidates += positional[:2]
        for arg in candidates:
            origin = self._origin(arg, scope)
            if isinstance(origin, cst.For):
                continue
            texts = [(x, v) for x, v in self._texts(arg, call, scope) if complete_sql(x)]
            for k, (text, via) in enumerate(texts):
                if len(texts) == 1:
                    self._add(text, origin if not via else arg, call, last, scope, via=via)
                else:
                    self._add(text, arg, call, last, scope, via=via, key=(id(arg), k), alternative_of=id(arg))
            if texts:
                return

    def _extra_sites(self, call: cst.Call, scope: Scope) -> None:
        """``queryset.extra(select={"locked": "pg_try_advisory_lock(id)"}, where=[...])`` (Django)."""
        for arg in call.args:
            template = EXTRA_FRAGMENTS.get(arg.keyword.value) if arg.keyword is not None else None
            if template is None:
                continue
            items = self._local(scope).dict_items(arg.value)
            values = list(items[0].values()) if items is not None else (
                [e.value for e in arg.value.elements if isinstance(e, cst.Element)]
                if isinstance(arg.value, (cst.List, cst.Tuple)) else [])
            for value in values:
                text = self._evaluator(scope).text(value)
                if text is not None and text.strip():
                    self._add(template.format(text), value, call, "extra", scope, framework="django")

    def _statement_list_constants(self) -> None:
        """``SESSION_SQLS = ["SET @@session.wait_timeout=28800", ...]``: a list of complete SQL statements
        that a module or class keeps under a name that says so (``*SQL*``, ``*QUER*``, ``*STATEMENT*``,
        ``*COMMAND*``) is SQL the code sends, even where the loop that sends it is out of sight (an attribute
        set from it, another module). Each statement is a site at its literal."""
        for scope in [self.collector.module_scope] + [s for s in self.collector.class_scopes]:
            for name, values in scope.assigns.items():
                if len(values) != 1 or not SQL_LIST_NAME.search(name):
                    continue
                value = values[0]
                if not isinstance(value, (cst.List, cst.Tuple)) or not value.elements:
                    continue
                items = [el.value for el in value.elements if isinstance(el, cst.Element)]
                texts = [self._local(scope).text(item) for item in items]
                if not all(isinstance(x, str) and complete_sql(x) for x in texts):
                    continue
                for item, text in zip(items, texts):
                    self._add(text, item, None, "constant", scope)

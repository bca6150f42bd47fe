"""PIN305 django-server-side-cursors: Django's PostgreSQL backend iterates ``QuerySet.iterator()`` with a
named server-side cursor unless ``DISABLE_SERVER_SIDE_CURSORS`` is True."""

from __future__ import annotations

from typing import List, Optional

from pinlint.checks import fixes
from pinlint.checks.context import ModuleContext, NodeVerdict
from pinlint.checks.drivers.django_databases import CALL_KEYS, DjangoDatabases, Entry, settings
from pinlint.checks.drivers.driverfacts import MISSING
from pinlint.lazy import cst
from pinlint.checks.registry import module_check
from pinlint.targets import hazard


@module_check("PIN305", families=("cursor-with-hold",), needs=(DjangoDatabases,), triggers=(settings(),))
def django_server_side_cursors(ctx: ModuleContext) -> List[NodeVerdict]:
    out = []
    for e in ctx.view(DjangoDatabases).entries:
        if e.engine != "postgres":
            continue
        dssc = e.value("DISABLE_SERVER_SIDE_CURSORS")
        if dssc is MISSING or dssc is False:
            fix = ("disable_server_side_cursors=True" if e.from_call
                   else f'{e.ref}["DISABLE_SERVER_SIDE_CURSORS"] = True')
            shown = "is False" if dssc is False else "is not set (default False)"
            out.append(NodeVerdict(
                e.keys.get("DISABLE_SERVER_SIDE_CURSORS") or e.anchor, hazard("cursor-with-hold", flags=["used-later"]),
                {"alias": e.alias, "shown": shown, "fix": fix}, "django",
                fix=settings_key(e, "DISABLE_SERVER_SIDE_CURSORS", "True", "unsafe" if e.from_call else None)))
    return out


def settings_key(e: Entry, key: str, value: str, applicability: Optional[str] = None) -> Optional[fixes.FixBuilder]:
    """``key: value`` in a DATABASES entry: the value replaced where the key is set, else the key added to
    the entry's dict display (or, for ``dj_database_url.config(...)``, its keyword argument: dj-database-url
    has ``conn_health_checks`` and ``disable_server_side_cursors`` only in recent versions, so the caller
    marks that fix unsafe)."""
    if key in e.keys:
        return fixes.replace(e.keys[key], value, f'Set `"{key}": {value}` in {e.ref}', applicability)
    if e.from_call:
        kwarg = next((k for k, v in CALL_KEYS.items() if v == key), None)
        if kwarg is None or not isinstance(e.node, cst.Call):
            return None
        return lambda fctx: fixes.FixPlan(f"Add `{kwarg}={value}` to {e.ref}",
                                          (fixes.AddElement(e.node, f"{kwarg}={value}"),), applicability)
    return fixes.entry(e.node, key, value, f'Add `"{key}": {value}` to {e.ref}', applicability)

"""PIN305 django-server-side-cursors: Django's PostgreSQL backend iterates ``QuerySet.iterator()`` with a
named server-side cursor unless ``DISABLE_SERVER_SIDE_CURSORS`` is True."""

from __future__ import annotations

from typing import List

from pinlint.checks.context import ModuleContext, NodeVerdict
from pinlint.checks.drivers.django_databases import DjangoDatabases, settings
from pinlint.checks.drivers.driverfacts import MISSING
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
                {"alias": e.alias, "shown": shown, "fix": fix}, "django"))
    return out

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

PLANS_DIR = Path("/tmp")
def _run_explain(sql: str, params: tuple, *, seqscan: bool = True) -> list:
    """Run EXPLAIN ANALYZE with FORMAT JSON."""
    with connection.cursor() as cursor:
        if not seqscan:
            cursor.execute("SET enable_seqscan = OFF;")
        cursor.execute(
            f"EXPLAIN (ANALYZE, COSTS, VERBOSE, BUFFERS, FORMAT JSON) {sql}",
            params,
        )
        plan = cursor.fetchone()[0]
        if not seqscan:
            cursor.execute("SET enable_seqscan = ON;")
    return plan

from __future__ import annotations

import contextlib
import enum
import logging
import uuid
import warnings
import numpy as np
import sqlalchemy
from sqlalchemy import SQLColumnExpression, cast, create_engine, delete, func, select
from sqlalchemy.dialects.postgresql import JSON, JSONB, JSONPATH, UUID, insert
from sqlalchemy.engine import Connection, Engine
def _create_vector_extension(conn: Connection) -> None:
    statement = sqlalchemy.text(
        "SELECT pg_advisory_xact_lock(1573678846307946496);"
        "CREATE EXTENSION IF NOT EXISTS vector;"
    )
    conn.execute(statement)
    conn.commit()

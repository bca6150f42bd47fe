"""Live oracle: real PostgreSQL, PgBouncer and MariaDB servers (pytest -m live)."""

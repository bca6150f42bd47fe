"""Django settings: the database part, behind PgBouncer (port 6432) or RDS Proxy.

search_path and the role are the login role's defaults (a migration ran
`ALTER ROLE app SET search_path = app, public`), not startup options or `assume_role`.
QuerySet.iterator() would declare WITH HOLD cursors in autocommit: DISABLE_SERVER_SIDE_CURSORS.
Persistent connections older than the pooler's idle-client timeout (RDS Proxy: 1800 s) are checked
before use: CONN_HEALTH_CHECKS.
"""

import os

import dj_database_url

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DB_NAME", "app"),
        "USER": os.environ.get("DB_USER", "app"),
        "HOST": os.environ.get("DB_HOST", "pooler"),
        "PORT": 6432,
        "CONN_MAX_AGE": None,
        "OPTIONS": {
            "prepare_threshold": None,
            "server_side_binding": True,
        },
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "CONN_HEALTH_CHECKS": True,
    },
    "reporting": dj_database_url.config(
        env="REPORTING_DATABASE_URL",
        default="postgres://reporter@pooler:6432/app",
        conn_max_age=3600,
        disable_server_side_cursors=True,
        conn_health_checks=True,
    ),
}

USE_TZ = True
TIME_ZONE = "UTC"

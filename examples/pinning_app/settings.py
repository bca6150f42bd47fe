"""Django settings: the database part, behind PgBouncer (port 6432) or RDS Proxy."""

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
            "options": "-c search_path=app,public",
            "assume_role": "app_writer",
            "prepare_threshold": 5,
            "server_side_binding": True,
        },
    },
    "reporting": dj_database_url.config(
        env="REPORTING_DATABASE_URL",
        default="postgres://reporter@pooler:6432/app",
        conn_max_age=3600,
    ),
}

USE_TZ = True
TIME_ZONE = "UTC"

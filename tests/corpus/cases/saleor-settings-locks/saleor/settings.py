import datetime
import importlib.metadata
import json
import logging
import os
import os.path
import warnings
from typing import cast
from urllib.parse import urlparse

import dj_database_url
DB_CONN_MAX_AGE = int(os.environ.get("DB_CONN_MAX_AGE", 0))

DATABASE_CONNECTION_DEFAULT_NAME = "default"
# TODO: For local envs will be activated in separate PR.
# We need to update docs an saleor platform.
# This variable should be set to `replica`
DATABASE_CONNECTION_REPLICA_NAME = "replica"

if "DATABASE_URL_REPLICA" in os.environ:
    DATABASE_URL_REPLICA_ENV_NAME = "DATABASE_URL_REPLICA"
else:
    # If replica env is not set, then always try to use the
    # default env first.
    DATABASE_URL_REPLICA_ENV_NAME = dj_database_url.DEFAULT_ENV

DATABASES = {
    DATABASE_CONNECTION_DEFAULT_NAME: dj_database_url.config(
        env=dj_database_url.DEFAULT_ENV,
        default="postgres://saleor:saleor@localhost:5432/saleor",
        conn_max_age=DB_CONN_MAX_AGE,
    ),
    DATABASE_CONNECTION_REPLICA_NAME: dj_database_url.config(
        env=DATABASE_URL_REPLICA_ENV_NAME,
        default="postgres://saleor:saleor@localhost:5432/saleor",
        # TODO: We need to add read only user to saleor platform,
        # and we need to update docs.
        # default="postgres://saleor_read_only:saleor@localhost:5432/saleor",
        conn_max_age=DB_CONN_MAX_AGE,
        test_options={"MIRROR": DATABASE_CONNECTION_DEFAULT_NAME},
    ),
}

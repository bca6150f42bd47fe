import re
import warnings
from contextvars import ContextVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, ValidationError
import django.db.utils

from tenant_schemas.utils import get_public_schema_name, get_limit_set_calls
from tenant_schemas.postgresql_backend.introspection import DatabaseSchemaIntrospection

try:
    try:
        from psycopg import InternalError
    except ImportError:
        from psycopg2 import InternalError
except ImportError:
    raise ImproperlyConfigured("Error loading psycopg2 or psycopg module")


ORIGINAL_BACKEND = getattr(
    settings, "ORIGINAL_BACKEND", "django.db.backends.postgresql"
)
original_backend = django.db.utils.load_backend(ORIGINAL_BACKEND)

EXTRA_SEARCH_PATHS = getattr(settings, "PG_EXTRA_SEARCH_PATHS", [])

# ContextVar to prevent recursion when setting search_path under DEBUG=True with psycopg3
_SETTING_SEARCH_PATH = ContextVar("ts_setting_search_path", default=False)
class DatabaseWrapper(original_backend.DatabaseWrapper):
    def _get_raw_cursor(self, cursor_for_search_path):
        """
        Get the raw DB-API cursor for psycopg2/psycopg3 compatibility.
        
        In psycopg2, cursor_for_search_path may have a 'cursor' attribute 
        pointing to the raw DB-API cursor.
        In psycopg3, the cursor object itself is the raw DB-API cursor.
        """
        if hasattr(cursor_for_search_path, "cursor"):
            return cursor_for_search_path.cursor
        else:
            return cursor_for_search_path

    def _cursor(self, name=None):
        """
        Here it happens. We hope every Django db operation using PostgreSQL
        must go through this to get the cursor handle. We change the path.
        """
        if name:
            # Create server-side cursor (supported across Django versions)
            cursor = super()._cursor(name=name)
        else:
            cursor = super()._cursor()

        # Calculate search paths for current tenant configuration
        if not self.schema_name:
            raise ImproperlyConfigured(
                "Database schema not set. Did you forget "
                "to call set_schema() or set_tenant()?"
            )

        _check_schema_name(self.schema_name)
        public_schema_name = get_public_schema_name()
        search_paths = []

        if self.schema_name == public_schema_name:
            search_paths = [public_schema_name]
        elif self.include_public_schema:
            search_paths = [self.schema_name, public_schema_name]
        else:
            search_paths = [self.schema_name]

        search_paths.extend(EXTRA_SEARCH_PATHS)
        path_sig = tuple(search_paths)

        # Check if we need to set the search path
        if self._should_set_search_path(path_sig):
            # Prevent recursion during debug/mogrify operations with psycopg3
            if _SETTING_SEARCH_PATH.get():
                return cursor

            token = _SETTING_SEARCH_PATH.set(True)
            try:
                if name:
                    # Named cursor can only be used once
                    cursor_for_search_path = self.connection.cursor()
                else:
                    # Reuse - get raw cursor to avoid Django's debug wrapper
                    cursor_for_search_path = cursor
                    raw_cursor = self._get_raw_cursor(cursor_for_search_path)

                # In the event that an error already happened in this transaction and we are going
                # to rollback we should just ignore database error when setting the search_path
                # if the next instruction is not a rollback it will just fail also, so
                # we do not have to worry that it's not the good one
                try:
                    # Use set_config with parameters instead of raw SQL formatting to avoid
                    # triggering Django's debug SQL logging that causes psycopg3 recursion
                    if name:
                        cursor_for_search_path.execute(
                            "SELECT set_config('search_path', %s, false)",
                            [",".join(search_paths)],
                        )
                    else:
                        raw_cursor.execute(
                            "SELECT set_config('search_path', %s, false)",
                            [",".join(search_paths)],
                        )
                except (django.db.utils.DatabaseError, InternalError):
                    self.search_path_set = False
                    self._ts_last_path_sig = None
                else:
                    self.search_path_set = True
                    self._ts_last_path_sig = path_sig

                if name:
                    cursor_for_search_path.close()
            finally:
                _SETTING_SEARCH_PATH.reset(token)

        return cursor

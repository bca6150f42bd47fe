from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Optional, Mapping, Any, Dict
from psycopg import conninfo

from django.conf import settings


POSTGRES_ENGINE = "django.db.backends.postgresql"


# Refer Django docs: https://docs.djangoproject.com/en/4.2/ref/settings/#databases
# Inspiration: https://github.com/jazzband/dj-database-url/blob/master/dj_database_url/__init__.py
# We do not use dj-database-url directly due to a bug with it's parsing logic when unix sockets
# are involved.
# Following class only contains a subset of the available django configurations.
@dataclass(frozen=True)
class DBConfig(ABC):
    dbname: str
    engine: str
    host: Optional[str] = None
    port: Optional[int] = None
    role: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    options: Mapping[str, Any] = field(default_factory=dict)
    atomic_requests: Optional[bool] = None
    autocommit: Optional[bool] = None
    conn_max_age: Optional[int] = 0
    conn_health_checks: Optional[bool] = False
    disable_server_side_cursors: Optional[bool] = False
    time_zone: Optional[str] = None
    def to_django_dict(self) -> Dict[str, Any]:
        result: Dict[str, Any] = {
            "ENGINE": self.engine,
            "NAME": self.dbname,
        }
        if self.host is not None:
            result["HOST"] = self.host
        if self.port is not None:
            result["PORT"] = str(self.port)
        if self.role is not None:
            result["USER"] = self.role
        if self.password is not None:
            result["PASSWORD"] = self.password
        if self.atomic_requests is not None:
            result["ATOMIC_REQUESTS"] = self.atomic_requests
        if self.autocommit is not None:
            result["AUTOCOMMIT"] = self.autocommit
        if self.conn_max_age is not None:
            result["CONN_MAX_AGE"] = self.conn_max_age
        if self.conn_health_checks is not None:
            result["CONN_HEALTH_CHECKS"] = self.conn_health_checks
        if self.disable_server_side_cursors is not None:
            result["DISABLE_SERVER_SIDE_CURSORS"] = self.disable_server_side_cursors
        if self.time_zone is not None:
            result["TIME_ZONE"] = self.time_zone
        if self.options:
            result["OPTIONS"] = dict(self.options)
        return result

import asyncio
import contextvars
import importlib
import logging
import os
import sys
import tempfile
import traceback
from contextlib import contextmanager
from functools import partial
from gettext import gettext as _

import aiohttp
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import connection
from django.db.models import Model
from django_guid import get_guid
from rest_framework.exceptions import APIException
def wakeup_worker(reason):
    # Notify workers
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify('pulp_worker_wakeup', %s)", (reason,))

# -*- coding: utf-8 -*-
import os
import json
import sys

from contextlib import contextmanager
from select import select
from logging import getLogger
from hashlib import md5
from weakref import WeakValueDictionary

from .utils import (
    Literal, prepared, transaction, convert_time_spec, utc_format
)
class Queue(object):
    def _listen(self, cursor):
        name = self.name
        if len(name) > 63:
            digest = md5(name.encode()).hexdigest()
            name = "pq_" + digest
        cursor.execute('LISTEN "%s"', (Literal(name), ))

    @prepared
    def _put_item(self, cursor):
        """Puts a single item into the queue.

            INSERT INTO %(table)s (q_name, data, schedule_at, expected_at)
            VALUES (%(name)s, $1, $2, $3) RETURNING id

        This method expects a string argument which is the item data
        and the scheduling timestamp.
        """

        return cursor.fetchone()[0]

    @prepared
    def _update_item(self, cursor):
        """Updates a single item into the queue.

            UPDATE %(table)s SET data = $2 WHERE id = $1
            RETURNING length(data::text)

        """

        return cursor.fetchone()[0]

# -*- test-case-name: piped.test.test_database -*-

# Copyright (c) 2010-2012, Found IT A/S and Piped Project Contributors.
# See LICENSE for details.
import collections
import copy
import functools
import logging
import hashlib
import heapq
import urlparse
import warnings

import sqlalchemy as sa
import sqlalchemy.interfaces
from twisted.application import service
from twisted.internet import defer, reactor, threads
from twisted.python import failure, reflect

from piped import event, exceptions, util, service as piped_service


logger = logging.getLogger(__name__)


# We're extra happy with Postgres-stuff around, but don't require it.
try:
    import psycopg2
    from txpostgres import txpostgres
except ImportError:
    psycopg2 = None
    txpostgres = None
class PostgresListener(piped_service.PipedService):
    @defer.inlineCallbacks
    def _run_exclusively(self, func, *a, **kw):
        yield self._lock.acquire()
        try:
            result = yield self.cancellable(func(*a, **kw))
            defer.returnValue(result)
        finally:
            self._lock.release()

    @defer.inlineCallbacks
    def run(self):
        try:
            while self.running:
                try:
                    logger.info('PostgresListener attempting to connect to [{0}]'.format(self.profile_name))
                    yield self._run_exclusively(self._connect)
                    self.is_connected = True

                    yield self._run_exclusively(self._connection.runOperation, "SET application_name TO '%s-listener'" % self.profile_name)
                    for sql_string in self.checkout:
                        yield self._run_exclusively(self._connection.runOperation, sql_string)

                    self._connection.addNotifyObserver(self._notify)
                    logger.info('PostgresListener connected [{0}]'.format(self.profile_name))
                    self.on_connection_established(self)

                    while self.running:
                        try:
                            yield self.currently_pinging(self.cancellable(util.wait(self.ping_interval)))
                            yield self.currently_pinging(self._ping())
                        except defer.CancelledError:
                            pass

                    # We've cancelled, and is no longer running.
                    if self.is_connected:
                        self.is_connected = False
                        self.on_connection_lost(failure.Failure())

                except psycopg2.Error:
                    logger.exception('Database failure. Traceback follows')
                    failure_ = failure.Failure()
                    if self.is_connected:
                        self._cleanup()
                        self.is_connected = False
                        self.on_connection_lost(failure_)
                    else:
                        self.on_connection_failed(failure_)

                    yield self.cancellable(util.wait(self.retry_interval))

                except defer.CancelledError:
                    if self.is_connected:
                        self.is_connected = False
                        self.on_connection_lost(failure.Failure())

        except defer.CancelledError:
            pass
        except Exception as e:
            logger.exception('Unhandled exception in PostgresListener.run')
        finally:
            self._maybe_disconnect()
    @defer.inlineCallbacks
    def listen(self, events):
        """Listens to every named event in *events, and returns a
        `DeferredQueue` that is populated with notifications.
        """
        dq = defer.DeferredQueue()
        for event in events:
            if not self._listeners[event]:
                self._listeners[event].add(dq)

                try:
                    yield self._run_exclusively(self._connection.runOperation, 'LISTEN "%s"' % event)
                    logger.info('"%s"-listener is now listening to "%s"' % (self.profile_name, event))
                except Exception as e:
                    logger.exception('could not listen to "%s"' % event)

            self._listeners[event].add(dq)

        defer.returnValue(dq)

    @defer.inlineCallbacks
    def unlisten(self, queue):
        """ Stops listening for any event that populates *queue*.

        If this results in nothing listening to an event, we'll no longer listen to notifications of that event.
        """
        for listener_name, queues in self._listeners.items():
            if queue in queues:
                queues.discard(queue)
                if not queues:
                    try:
                        yield self._run_exclusively(self._connection.runOperation, 'UNLISTEN "%s"' % listener_name)
                        logger.info('"%s"-listener is now NOT listening to "%s"' % (self.profile_name, listener_name))
                    except Exception as e:
                        # This happens when a connection drops, in which case we're re-establishing it.
                        pass
    def _ping(self):
        return self._run_exclusively(self._connection.runOperation, "SELECT 'ping'")
    def _get_scalar_result(self, sql):
        return self._run_exclusively(self._connection.runQuery, sql).addCallback(lambda rs: rs[0][0])

    def _try_lock(self, lock_name):
        sql = 'SELECT pg_try_advisory_lock(%i)' % self._get_hash_for_lock(lock_name)
        return self._get_scalar_result(sql)

    def _unlock(self, lock_name):
        sql = 'SELECT pg_advisory_unlock(%i)' % self._get_hash_for_lock(lock_name)
        return self._get_scalar_result(sql)

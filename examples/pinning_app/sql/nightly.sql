-- nightly maintenance, run by jobs.nightly()
SELECT pg_advisory_lock(42);
CREATE TEMP TABLE stale_orders AS SELECT id FROM orders WHERE created_at < now() - interval '1 year';
DELETE FROM orders WHERE id IN (SELECT id FROM stale_orders);

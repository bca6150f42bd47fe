-- nightly maintenance, run by jobs.nightly() in one transaction
SELECT pg_advisory_xact_lock(42);
DELETE FROM orders WHERE created_at < now() - interval '1 year';

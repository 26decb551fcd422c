-- One more version of the data: caches keyed by the version become stale.
UPDATE touchpath_meta SET value = value + 1 WHERE key = 'data_version';
-- When it happened: UTC microseconds since the epoch (the transaction's start).
UPDATE touchpath_meta SET value = epoch_us(get_current_timestamp()) WHERE key = 'last_ingest_at';
INSERT INTO touchpath_meta
SELECT 'last_ingest_at', epoch_us(get_current_timestamp())
WHERE NOT EXISTS (SELECT 1 FROM touchpath_meta WHERE key = 'last_ingest_at');

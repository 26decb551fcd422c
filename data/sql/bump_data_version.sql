-- One more version of the data: caches keyed by the version become stale.
-- Run inside the transaction of the change (see warehouse.bump_data_version).
UPDATE touchpath_meta SET value = value + 1 WHERE key = 'data_version';

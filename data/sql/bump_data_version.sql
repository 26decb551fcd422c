-- One more version of the data: caches keyed by the version become stale.
UPDATE touchpath_meta SET value = value + 1 WHERE key = 'data_version';

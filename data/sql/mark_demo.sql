-- The warehouse holds only what the demo wrote: record its data version as the demo's.
-- A later ingest or status change moves data_version on, and the warehouse is the user's.
INSERT OR REPLACE INTO touchpath_meta
SELECT 'demo_data_version', value FROM touchpath_meta WHERE key = 'data_version';

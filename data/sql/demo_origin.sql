-- The data version the demo left (NULL if the demo did not make the warehouse) and the
-- current one; the warehouse is the demo's to replace only while the two are equal.
SELECT
    max(value) FILTER (WHERE key = 'demo_data_version') AS demo_data_version,
    max(value) FILTER (WHERE key = 'data_version') AS data_version
FROM touchpath_meta;

-- Drop everything reading a GA4 export made on its connection, the view _raw
-- over its rows included.
DROP VIEW IF EXISTS temp._raw;
DROP TABLE IF EXISTS temp._ga4_rows;
DROP TABLE IF EXISTS temp._ga4_summary;

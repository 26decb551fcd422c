-- The records of a GA4 export in newline-delimited JSON (BigQuery's JSON
-- export: one event object per line, gzip-compressed or not), each read by
-- tp_ga4_record (ga4_macros.sql), kept in file order so that rowid + 1 is the
-- record number. Fields unknown to Touchpath are ignored, and INT64 fields
-- read the same whether BigQuery wrote them as strings ("1700000000000000")
-- or as numbers.
CREATE OR REPLACE TEMP TABLE _ga4_records AS
SELECT tp_ga4_record(json) AS r
FROM read_ndjson_objects($path, compression = $compression);

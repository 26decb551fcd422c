-- The records of a GA4 export in Parquet (nested STRUCT / LIST columns as
-- BigQuery writes them), each row turned into one JSON object and read by
-- tp_ga4_record (ga4_macros.sql) like a JSON export; kept in file order so
-- that rowid + 1 is the record number.
CREATE OR REPLACE TEMP TABLE _ga4_records AS
SELECT tp_ga4_record(CAST(to_json(p) AS JSON)) AS r
FROM read_parquet($path) AS p;

-- The view _raw over the Parquet file of this ingest, with its own column types.
CREATE OR REPLACE TEMP VIEW _raw AS
SELECT * FROM read_parquet(getvariable('tp_ingest').path);

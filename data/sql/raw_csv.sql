-- The view _raw over the CSV file of this ingest, every column as text.
-- Dialect and compression are detected; the header is required. Rows that do
-- not fit the header (too few or too many fields, text that is not UTF-8, a
-- broken quote) are not read but recorded in _csv_rejects with their record
-- number (line 1 is the header), so that the ingest can refuse the file
-- naming them (csv_row_problems.sql).
CREATE OR REPLACE TEMP VIEW _raw AS
SELECT *
FROM read_csv(
    getvariable('tp_ingest').path,
    all_varchar = true,
    header = true,
    store_rejects = true,
    rejects_table = '_csv_rejects',
    rejects_scan = '_csv_reject_scans'
);

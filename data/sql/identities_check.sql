-- Whether staged identity pairs can load: rows in the file and rows with
-- problems. A pair repeated in the file or already stored is evidence seen
-- again (a login every visit), skipped, never a conflict.
SELECT
    count(*) AS rows_in_file,
    count(*) FILTER (WHERE _problems IS NOT NULL) AS bad_rows,
    0 AS repeated_keys,
    0 AS conflicts
FROM _staged;

-- Whether staged channels can load: rows in the file, rows with problems and
-- repeated channels (a stored channel is updated, never a conflict).
SELECT
    count(*) AS rows_in_file,
    count(*) FILTER (WHERE _problems IS NOT NULL) AS bad_rows,
    count(channel) - count(DISTINCT channel) AS repeated_keys,
    0 AS conflicts
FROM _staged;

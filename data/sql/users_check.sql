-- Whether a staged users file can load, in one pass: rows in the file, rows with
-- problems, repeated user_ids; conflicts with stored attribute values are
-- counted by user_attribute_conflicts.sql.
SELECT
    count(*) AS rows_in_file,
    count(*) FILTER (WHERE _problems IS NOT NULL) AS bad_rows,
    count(user_id) - count(DISTINCT user_id) AS repeated_keys,
    0 AS conflicts
FROM _staged;

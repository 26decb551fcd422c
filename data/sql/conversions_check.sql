-- Whether staged conversions can load, in one pass: rows in the file, rows with
-- problems, repeated conversion_ids, and conversion_ids stored with other values.
SELECT
    count(*) AS rows_in_file,
    count(*) FILTER (WHERE s._problems IS NOT NULL) AS bad_rows,
    count(s.conversion_id) - count(DISTINCT s.conversion_id) AS repeated_keys,
    count(*) FILTER (
        WHERE c.conversion_id IS NOT NULL AND (
            s.user_id IS DISTINCT FROM c.user_id
            OR s.ts IS DISTINCT FROM c.ts
            OR s.value IS DISTINCT FROM c.value
            OR s.kind IS DISTINCT FROM c.kind
        )
    ) AS conflicts
FROM _staged AS s
LEFT JOIN conversions AS c ON c.conversion_id = s.conversion_id;

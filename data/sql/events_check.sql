-- Whether a staged events file can load, in one pass: rows in the file, rows
-- with problems, ids repeated among the rows bound for the same table, ids
-- stored in that table with other values, and the rows bound for each table.
SELECT
    count(*) AS rows_in_file,
    count(*) FILTER (WHERE s._problems IS NOT NULL) AS bad_rows,
    count(s.event_id) FILTER (WHERE s._target = 'touchpoints')
        - count(DISTINCT s.event_id) FILTER (WHERE s._target = 'touchpoints')
        + count(s.event_id) FILTER (WHERE s._target = 'conversions')
        - count(DISTINCT s.event_id) FILTER (WHERE s._target = 'conversions')
        AS repeated_keys,
    count(*) FILTER (
        WHERE t.event_id IS NOT NULL AND (
            s.user_id IS DISTINCT FROM t.user_id
            OR s.ts IS DISTINCT FROM t.ts
            OR s.channel IS DISTINCT FROM t.channel
            OR s.campaign IS DISTINCT FROM t.campaign
            OR s.interaction IS DISTINCT FROM t.interaction
            OR s.cost IS DISTINCT FROM t.cost
        )
    ) + count(*) FILTER (
        WHERE c.conversion_id IS NOT NULL AND (
            s.user_id IS DISTINCT FROM c.user_id
            OR s.ts IS DISTINCT FROM c.ts
            OR s.value IS DISTINCT FROM c.value
            OR s.kind IS DISTINCT FROM c.kind
        )
    ) AS conflicts,
    count(*) FILTER (WHERE s._target = 'touchpoints') AS touch_rows,
    count(*) FILTER (WHERE s._target = 'conversions') AS conversion_rows
FROM _staged AS s
LEFT JOIN touchpoints AS t ON s._target = 'touchpoints' AND t.event_id = s.event_id
LEFT JOIN conversions AS c ON s._target = 'conversions' AND c.conversion_id = s.event_id;

-- Whether staged touchpoints can load, in one pass: rows in the file, rows with
-- problems, repeated event_ids, and event_ids stored with other values.
SELECT
    count(*) AS rows_in_file,
    count(*) FILTER (WHERE s._problems IS NOT NULL) AS bad_rows,
    count(s.event_id) - count(DISTINCT s.event_id) AS repeated_keys,
    count(*) FILTER (
        WHERE t.event_id IS NOT NULL AND (
            s.user_id IS DISTINCT FROM t.user_id
            OR s.ts IS DISTINCT FROM t.ts
            OR s.channel IS DISTINCT FROM t.channel
            OR s.campaign IS DISTINCT FROM t.campaign
            OR s.interaction IS DISTINCT FROM t.interaction
            OR s.cost IS DISTINCT FROM t.cost
        )
    ) AS conflicts
FROM _staged AS s
LEFT JOIN touchpoints AS t ON t.event_id = s.event_id;

-- Whether staged spend can load, in one pass: rows in the file, rows with
-- problems, repeated (channel, day), and (channel, day) stored with another amount.
SELECT
    count(*) AS rows_in_file,
    count(*) FILTER (WHERE s._problems IS NOT NULL) AS bad_rows,
    count(*) FILTER (WHERE s.channel IS NOT NULL AND s.day IS NOT NULL)
        - count(DISTINCT {'channel': s.channel, 'day': s.day})
            FILTER (WHERE s.channel IS NOT NULL AND s.day IS NOT NULL) AS repeated_keys,
    count(*) FILTER (WHERE p.channel IS NOT NULL AND s.amount IS DISTINCT FROM p.amount)
        AS conflicts
FROM _staged AS s
LEFT JOIN spend AS p ON p.channel = s.channel AND p.day = s.day;

-- Conversions per day (UTC): count, revenue, and first purchases, where a first
-- purchase is a user's first conversion in the whole table (earliest ts, ties
-- by conversion_id). Only conversions of kind $kind count (NULL: every kind),
-- as in the journeys (journeys.sql). Used to reconcile the channel ROI table
-- per period; revenue stays the exact DECIMAL sum.
WITH ranked AS (
    SELECT
        ts,
        value,
        row_number() OVER (PARTITION BY user_id ORDER BY ts, conversion_id) AS nth
    FROM conversions
    WHERE CAST($kind AS VARCHAR) IS NULL OR kind = $kind
)
SELECT
    CAST(ts AS DATE)                        AS day,
    count(*)                                AS conversions,
    sum(value)                              AS revenue,
    count(*) FILTER (WHERE nth = 1)         AS first_purchases
FROM ranked
GROUP BY 1
ORDER BY 1

-- Conversions per day (UTC): count, revenue, and first purchases, where a first
-- purchase is a user's first conversion in the whole table (earliest ts, ties
-- by conversion_id). Used to reconcile the channel ROI table per period;
-- revenue stays the exact DECIMAL sum.
WITH ranked AS (
    SELECT
        ts,
        value,
        row_number() OVER (PARTITION BY user_id ORDER BY ts, conversion_id) AS nth
    FROM conversions
)
SELECT
    CAST(ts AS DATE)                        AS day,
    count(*)                                AS conversions,
    sum(value)                              AS revenue,
    count(*) FILTER (WHERE nth = 1)         AS first_purchases
FROM ranked
GROUP BY 1
ORDER BY 1

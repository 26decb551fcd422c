-- The problems of the records of a GA4 export (_ga4_events), in file order:
-- (record number, field, reason, offending value, total number of problems),
-- at most $max_problems of them. A purchase needs a revenue that is money:
-- a number, not negative, exact to the millionth.
WITH problems AS (
    SELECT rn, 0 AS k, '' AS field,
           'not a JSON object (each line of a GA4 export holds one event object)' AS reason,
           not_object AS value
    FROM _ga4_events WHERE NOT is_object
    UNION ALL
    SELECT rn, 1, 'user_pseudo_id',
           'missing (events of users who did not consent to analytics have none: leave '
           || 'them out of the export with WHERE user_pseudo_id IS NOT NULL)', NULL
    FROM _ga4_events WHERE is_object AND user_pseudo_id IS NULL
    UNION ALL
    SELECT rn, 2, 'event_timestamp', 'missing', NULL
    FROM _ga4_events WHERE is_object AND ts_text IS NULL
    UNION ALL
    SELECT rn, 2, 'event_timestamp',
           'not a whole number (microseconds since 1970-01-01 UTC)', ts_text
    FROM _ga4_events WHERE is_object AND ts_text IS NOT NULL AND ts_us IS NULL
    UNION ALL
    SELECT rn, 3, 'event_name', 'missing', NULL
    FROM _ga4_events WHERE is_object AND event_name IS NULL
    UNION ALL
    SELECT rn, 4, 'ecommerce.purchase_revenue',
           'purchase without revenue (neither ecommerce.purchase_revenue nor the value '
           || 'parameter is set)', NULL
    FROM _ga4_events WHERE event_name = 'purchase' AND revenue_text IS NULL
    UNION ALL
    SELECT rn, 4, revenue_field, tp_ga4_money_problem(revenue_text), revenue_text
    FROM _ga4_events
    WHERE event_name = 'purchase' AND tp_ga4_money_problem(revenue_text) IS NOT NULL
)
SELECT rn, field, reason, value, count(*) OVER () AS total
FROM problems
ORDER BY rn, k
LIMIT $max_problems;

-- The conversions of one kind ($kind, NULL: every kind) with their segment:
-- conversion_id, user_id, day (UTC), value (exact DECIMAL), first_purchase (the
-- user's first conversion of the kind in the whole table, by ts then
-- conversion_id, as roi_daily_conversions.sql) and segment: the attribute's
-- value on the conversion ($use_conversion) or else on its user ($use_user),
-- $no_value when neither has one (the rule of segment_journeys.sql).
WITH ranked AS (
    SELECT
        conversion_id,
        user_id,
        ts,
        value,
        row_number() OVER (PARTITION BY user_id ORDER BY ts, conversion_id) = 1
            AS first_purchase
    FROM conversions
    WHERE CAST($kind AS VARCHAR) IS NULL OR kind = $kind
)
SELECT
    r.conversion_id,
    r.user_id,
    CAST(r.ts AS DATE) AS day,
    r.value,
    r.first_purchase,
    coalesce(ca.value, ua.value, $no_value) AS segment
FROM ranked AS r
LEFT JOIN conversion_attributes AS ca
    ON $use_conversion AND ca.conversion_id = r.conversion_id AND ca.name = $attribute
LEFT JOIN user_attributes AS ua
    ON $use_user AND ua.user_id = r.user_id AND ua.name = $attribute
ORDER BY r.conversion_id;

-- Distinct paths with converting journeys, their revenue, non-converting
-- journeys and first purchases; the empty path carries the direct conversions.
-- Needs the tp_journeys macro (journeys.sql).
WITH
journeys AS (
    SELECT *
    FROM tp_journeys(
        $lookback_days, $click_only, $collapse_repeats, $max_path_length,
        $range_start, $range_end, $censor, $kind
    )
)
SELECT
    list_transform(touches, lambda t: t.channel) AS path,
    count(*) FILTER (WHERE converted) AS conversions,
    CAST(coalesce(sum(value), 0) AS DOUBLE) AS value,  -- exact DECIMAL sum, then float
    count(*) FILTER (WHERE NOT converted) AS nulls,
    count(*) FILTER (WHERE converted AND first_purchase) AS first_conversions
FROM journeys
GROUP BY path
ORDER BY path;

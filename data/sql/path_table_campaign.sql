-- Distinct campaign-level paths: the path_table.sql columns grouped by the
-- path's channels and, touch by touch, their campaigns (NULL campaign: the
-- label '(none)'). A row's path and campaigns have the same length; the empty
-- path carries the direct conversions. Touches carry their campaign
-- (with_campaign := true), so collapsed repeats and the length cap are those
-- of the channel level. Needs the tp_journeys macro (journeys.sql).
WITH
journeys AS (
    SELECT *
    FROM tp_journeys(
        $lookback_days, $click_only, $collapse_repeats, $max_path_length,
        $range_start, $range_end, $censor, $kind, with_campaign := true
    )
)
SELECT
    list_transform(touches, lambda t: t.channel) AS path,
    list_transform(touches, lambda t: coalesce(t.campaign, '(none)')) AS campaigns,
    count(*) FILTER (WHERE converted) AS conversions,
    CAST(coalesce(sum(value), 0) AS DOUBLE) AS value,  -- exact DECIMAL sum, then float
    count(*) FILTER (WHERE NOT converted) AS nulls,
    count(*) FILTER (WHERE converted AND first_purchase) AS first_conversions
FROM journeys
GROUP BY path, campaigns
ORDER BY path, campaigns;

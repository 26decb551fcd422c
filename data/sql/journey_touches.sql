-- The touches of converting journeys, one row each, with their position in the
-- journey (1 = first) and the time from touch to conversion in days.
-- $with_campaign: each touch's campaign in the campaign column (NULL campaign:
-- '(none)'); off, the column is NULL. Needs the tp_journeys macro (journeys.sql).
WITH
converting AS (
    SELECT *
    FROM tp_journeys(
        $lookback_days, $click_only, $collapse_repeats, $max_path_length,
        $range_start, $range_end, $censor, $kind, with_campaign := $with_campaign
    )
    WHERE converted AND len(touches) > 0
),
touch_rows AS (
    SELECT
        conversion_id AS journey_id,
        user_id,
        unnest(touches) AS touch,
        generate_subscripts(touches, 1) AS position,
        end_ts AS conversion_ts,
        value,
        first_purchase
    FROM converting
)
SELECT
    journey_id,
    user_id,
    position,
    touch.channel AS channel,
    CASE WHEN $with_campaign THEN coalesce(touch.campaign, '(none)') END AS campaign,
    touch.ts AS ts,
    conversion_ts,
    date_diff('microsecond', touch.ts, conversion_ts) / 86400000000.0 AS days_before,
    value,
    first_purchase
FROM touch_rows
ORDER BY journey_id, position;

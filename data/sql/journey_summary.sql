-- Per channel: touches in journeys, journeys and converting journeys that touch
-- it, conversions and revenue of the journeys it closes (the last touch; the
-- '(direct)' row has the conversions with no touch), and spend on the days
-- whose midnight lies in the range. Needs the tp_journeys macro (journeys.sql).
WITH
journeys AS (
    SELECT row_number() OVER () AS journey_no, *
    FROM tp_journeys(
        $lookback_days, $click_only, $collapse_repeats, $max_path_length,
        $range_start, $range_end, $censor, $kind
    )
),
touch_rows AS (
    SELECT journey_no, converted, unnest(touches)['channel'] AS channel
    FROM journeys
),
touch_counts AS (
    SELECT
        channel,
        count(*) AS touches,
        count(DISTINCT journey_no) AS journeys,
        count(DISTINCT journey_no) FILTER (WHERE converted) AS converting_journeys
    FROM touch_rows
    GROUP BY channel
),
closing AS (
    SELECT
        coalesce(touches[-1]['channel'], '(direct)') AS channel,
        count(*) AS conversions,
        sum(value) AS revenue
    FROM journeys
    WHERE converted
    GROUP BY 1
),
spend_in_range AS (
    SELECT channel, sum(amount) AS spend
    FROM spend
    WHERE ($range_start IS NULL OR CAST(day AS TIMESTAMP) >= $range_start)
      AND ($range_end IS NULL OR CAST(day AS TIMESTAMP) < $range_end)
    GROUP BY channel
)
SELECT
    channel,
    coalesce(t.touches, 0) AS touches,
    coalesce(t.journeys, 0) AS journeys,
    coalesce(t.converting_journeys, 0) AS converting_journeys,
    coalesce(c.conversions, 0) AS conversions,
    coalesce(c.revenue, 0) AS revenue,
    coalesce(s.spend, 0) AS spend
FROM touch_counts AS t
FULL JOIN closing AS c USING (channel)
FULL JOIN spend_in_range AS s USING (channel)
ORDER BY channel = '(direct)', channel;

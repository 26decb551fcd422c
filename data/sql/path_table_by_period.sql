-- Distinct paths per period in one pass over the journeys: the path_table.sql
-- columns grouped by (period, path). The periods arrive as two parameter lists,
-- $period_starts and $period_ends (TIMESTAMP, the k-th period is
-- [period_starts[k], period_ends[k]) and is numbered k - 1); a journey belongs
-- to every period holding its end_ts (conversion time, or last touch when not
-- converted: the date-range rule of tp_journeys), so each period's rows equal
-- path_table.sql run with that period as range_start / range_end. Journeys in
-- no period are dropped. $range_start / $range_end span all periods (a cheap
-- first cut). Needs the tp_journeys macro (journeys.sql).
WITH
bounds AS (
    SELECT
        unnest(range(len($period_starts))) AS period,
        unnest(CAST($period_starts AS TIMESTAMP[])) AS lo,
        unnest(CAST($period_ends AS TIMESTAMP[])) AS hi
),
journeys AS (
    SELECT end_ts, converted, value, first_purchase,
           list_transform(touches, lambda t: t.channel) AS path
    FROM tp_journeys(
        $lookback_days, $click_only, $collapse_repeats, $max_path_length,
        $range_start, $range_end, $censor, $kind
    )
)
SELECT
    b.period,
    j.path,
    count(*) FILTER (WHERE j.converted) AS conversions,
    CAST(coalesce(sum(j.value), 0) AS DOUBLE) AS value,  -- exact DECIMAL sum, then float
    count(*) FILTER (WHERE NOT j.converted) AS nulls,
    count(*) FILTER (WHERE j.converted AND j.first_purchase) AS first_conversions
FROM journeys AS j
JOIN bounds AS b ON j.end_ts >= b.lo AND j.end_ts < b.hi
GROUP BY b.period, j.path
ORDER BY b.period, j.path;

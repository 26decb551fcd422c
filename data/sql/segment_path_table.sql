-- Distinct paths per segment and period in one pass over the journeys: the
-- path_table.sql columns grouped by (segment, period, path). Segments as
-- tp_segment_journeys gives them (segment_journeys.sql); periods as in
-- path_table_by_period.sql ($period_starts / $period_ends, numbered from 0; a
-- journey belongs to every period holding its end_ts). Ordered by segment with
-- the no-value segment last, then period and path, so that each (segment,
-- period) is one run of rows. Needs journeys.sql and segment_journeys.sql.
WITH
bounds AS (
    SELECT
        unnest(range(len($period_starts))) AS period,
        unnest(CAST($period_starts AS TIMESTAMP[])) AS lo,
        unnest(CAST($period_ends AS TIMESTAMP[])) AS hi
),
journeys AS (
    SELECT segment, end_ts, converted, value, first_purchase,
           list_transform(touches, lambda t: t.channel) AS path
    FROM tp_segment_journeys(
        $lookback_days, $click_only, $collapse_repeats, $max_path_length,
        $range_start, $range_end, $censor, $kind,
        $attribute, $use_conversion, $use_user, $no_value
    )
)
SELECT
    j.segment,
    b.period,
    j.path,
    count(*) FILTER (WHERE j.converted) AS conversions,
    CAST(coalesce(sum(j.value), 0) AS DOUBLE) AS value,  -- exact DECIMAL sum, then float
    count(*) FILTER (WHERE NOT j.converted) AS nulls,
    count(*) FILTER (WHERE j.converted AND j.first_purchase) AS first_conversions
FROM journeys AS j
JOIN bounds AS b ON j.end_ts >= b.lo AND j.end_ts < b.hi
GROUP BY j.segment, b.period, j.path
ORDER BY j.segment = $no_value, j.segment, b.period, j.path;

-- How censoring treats the non-converting journeys of the options: every
-- non-converting journey in the range (tp_journeys without censoring), how
-- many of them are still open (last touch + lookback after the end of the
-- data: the ones censoring leaves out), the converting journeys, and the
-- data's span. The same counts whether $censor is on or off ($censor is echoed
-- back); the caller reads them against it. Needs the tp_journeys macro (journeys.sql).
WITH
journeys AS (
    SELECT converted, end_ts
    FROM tp_journeys(
        $lookback_days, $click_only, $collapse_repeats, $max_path_length,
        $range_start, $range_end, FALSE, $kind
    )
)
SELECT
    count(*) FILTER (WHERE NOT converted) AS non_converting,
    count(*) FILTER (
        WHERE NOT converted
          AND end_ts + to_days(CAST($lookback_days AS INTEGER)) > tp_data_end()
    ) AS still_open,
    count(*) FILTER (WHERE converted) AS converting,
    CAST($censor AS BOOLEAN) AS censor,
    tp_data_start() AS data_start,
    tp_data_end() AS data_end
FROM journeys;

-- The view _parsed: the experiment rows of _source parsed to warehouse types,
-- with the list of problems of each bad row. A row gives exactly one of
-- incremental_conversions and incremental_revenue (the estimate), and either
-- both of lower and upper (the experiment's interval, which must contain the
-- estimate) or neither; its channel must be registered; its days lie in the
-- ingest's time window, end on or after start (both days included).
CREATE OR REPLACE TEMP VIEW _parsed AS
WITH
parsed AS (
    SELECT
        tp_text(channel) AS p_channel,
        coalesce(lower(tp_text(kind)), 'purchase') AS p_kind,
        tp_day("start") AS p_start,
        tp_day("end") AS p_end,
        TRY_CAST(tp_text(incremental_conversions) AS DOUBLE) AS p_conversions,
        TRY_CAST(tp_text(incremental_revenue) AS DOUBLE) AS p_revenue,
        TRY_CAST(tp_text(lower) AS DOUBLE) AS p_lower,
        TRY_CAST(tp_text(upper) AS DOUBLE) AS p_upper,
        channel, "start", "end", incremental_conversions, incremental_revenue, lower, upper,
        kind
    FROM _source
),
estimated AS (
    SELECT
        *,
        coalesce(p_conversions, p_revenue) AS p_estimate,
        CASE WHEN p_conversions IS NOT NULL THEN 'conversions'
             WHEN p_revenue IS NOT NULL THEN 'revenue' END AS p_metric,
        CASE WHEN tp_text(incremental_conversions) IS NOT NULL THEN incremental_conversions
             ELSE incremental_revenue END AS raw_estimate,
        CASE WHEN tp_text(incremental_conversions) IS NOT NULL THEN 'incremental_conversions'
             ELSE 'incremental_revenue' END AS estimate_column
    FROM parsed
),
checked AS (
    SELECT
        *,
        CASE
            WHEN tp_channel_problem(p_channel) IS NOT NULL THEN tp_channel_problem(p_channel)
            WHEN p_channel NOT IN (SELECT channel FROM channels)
                THEN 'unknown channel: no such channel in the warehouse (channels: '
                    || coalesce((SELECT string_agg(channel, ', ' ORDER BY channel)
                                 FROM channels), 'none') || ')'
        END AS channel_problem,
        CASE
            WHEN tp_in_window(p_start) THEN NULL
            WHEN tp_text("start") IS NULL THEN 'missing start'
            WHEN p_start IS NULL THEN 'not a calendar date (expected YYYY-MM-DD)'
            ELSE tp_outside('date', "start")
        END AS start_problem,
        CASE
            WHEN tp_in_window(p_end) AND (p_start IS NULL OR p_end >= p_start) THEN NULL
            WHEN tp_text("end") IS NULL THEN 'missing end'
            WHEN p_end IS NULL THEN 'not a calendar date (expected YYYY-MM-DD)'
            WHEN NOT tp_in_window(p_end) THEN tp_outside('date', "end")
            ELSE 'end ' || CAST(p_end AS VARCHAR) || ' is before start '
                || CAST(p_start AS VARCHAR)
        END AS end_problem,
        CASE
            WHEN tp_text(incremental_conversions) IS NOT NULL
                AND tp_text(incremental_revenue) IS NOT NULL
                THEN 'give incremental_conversions or incremental_revenue, not both'
            WHEN tp_text(incremental_conversions) IS NULL
                AND tp_text(incremental_revenue) IS NULL
                THEN 'missing estimate: give incremental_conversions or incremental_revenue'
            WHEN p_estimate IS NULL THEN 'not a number'
            WHEN NOT isfinite(p_estimate) THEN 'not a finite number'
            WHEN p_estimate < 0 THEN 'negative incremental estimate'
        END AS estimate_problem,
        CASE
            WHEN tp_text(lower) IS NULL AND tp_text(upper) IS NOT NULL
                THEN 'missing lower: give both lower and upper, or neither'
            WHEN tp_text(lower) IS NULL THEN NULL
            WHEN p_lower IS NULL THEN 'not a number'
            WHEN NOT isfinite(p_lower) THEN 'not a finite number'
            WHEN p_lower < 0 THEN 'negative lower bound'
            WHEN p_estimate IS NOT NULL AND p_lower > p_estimate
                THEN 'interval does not contain its estimate: lower '
                    || CAST(p_lower AS VARCHAR) || ' is above the estimate '
                    || CAST(p_estimate AS VARCHAR)
        END AS lower_problem,
        CASE
            WHEN tp_text(upper) IS NULL AND tp_text(lower) IS NOT NULL
                THEN 'missing upper: give both lower and upper, or neither'
            WHEN tp_text(upper) IS NULL THEN NULL
            WHEN p_upper IS NULL THEN 'not a number'
            WHEN NOT isfinite(p_upper) THEN 'not a finite number'
            WHEN p_estimate IS NOT NULL AND p_upper < p_estimate
                THEN 'interval does not contain its estimate: upper '
                    || CAST(p_upper AS VARCHAR) || ' is below the estimate '
                    || CAST(p_estimate AS VARCHAR)
        END AS upper_problem
    FROM estimated
)
SELECT
    p_channel AS channel,
    p_kind AS kind,
    p_start AS start_day,
    p_end AS end_day,
    p_metric AS metric,
    p_estimate AS incremental,
    p_lower AS lower,
    p_upper AS upper,
    CASE
        WHEN channel_problem IS NOT NULL OR start_problem IS NOT NULL
            OR end_problem IS NOT NULL OR estimate_problem IS NOT NULL
            OR lower_problem IS NOT NULL OR upper_problem IS NOT NULL
        THEN list_filter(
            [
                tp_problem('channel', channel_problem, channel),
                tp_problem('start', start_problem, "start"),
                tp_problem('end', end_problem, "end"),
                tp_problem(estimate_column, estimate_problem, raw_estimate),
                tp_problem('lower', lower_problem, lower),
                tp_problem('upper', upper_problem, upper)
            ],
            lambda p: p IS NOT NULL
        )
    END AS _problems
FROM checked;

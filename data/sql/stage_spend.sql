-- The view _parsed: the spend rows of _source (one per channel and calendar
-- day) parsed to warehouse types, with the list of problems of each bad row.
-- A day must lie in the ingest's time window and a channel name must not hold
-- the path separator (see ingest_macros.sql).
CREATE OR REPLACE TEMP VIEW _parsed AS
WITH
parsed AS (
    SELECT
        tp_text(channel) AS p_channel,
        tp_day(day) AS p_day,
        tp_money(amount) AS p_amount,
        channel, day, amount
    FROM _source
),
checked AS (
    SELECT
        *,
        tp_channel_problem(p_channel) AS channel_problem,
        CASE
            WHEN tp_in_window(p_day) THEN NULL
            WHEN tp_text(day) IS NULL THEN 'missing day'
            WHEN p_day IS NULL THEN 'not a calendar date (expected YYYY-MM-DD)'
            ELSE tp_outside('date', day)
        END AS day_problem,
        CASE
            WHEN tp_text(amount) IS NULL THEN 'missing amount'
            ELSE tp_money_problem(amount)
        END AS amount_problem
    FROM parsed
)
SELECT
    p_channel AS channel,
    p_day AS day,
    p_amount AS amount,
    CASE
        WHEN channel_problem IS NOT NULL OR day_problem IS NOT NULL
            OR amount_problem IS NOT NULL
        THEN list_filter(
            [
                tp_problem('channel', channel_problem, channel),
                tp_problem('day', day_problem, day),
                tp_problem('amount', amount_problem, amount)
            ],
            lambda p: p IS NOT NULL
        )
    END AS _problems
FROM checked;

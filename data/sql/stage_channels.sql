-- The view _parsed: the channel rows of _source (name, lifecycle status, group,
-- launch date) parsed, with the list of problems of each bad row. A launch date
-- must lie in the ingest's time window and a channel name must not hold the
-- path separator (see ingest_macros.sql).
CREATE OR REPLACE TEMP VIEW _parsed AS
WITH
parsed AS (
    SELECT
        tp_text(channel) AS p_channel,
        lower(tp_text(status)) AS p_status,
        tp_text(group_name) AS p_group_name,
        tp_day(launched_on) AS p_launched_on,
        channel, status, launched_on
    FROM _source
),
checked AS (
    SELECT
        *,
        tp_channel_problem(p_channel) AS channel_problem,
        CASE
            WHEN p_status IS NULL THEN 'missing status'
            WHEN p_status NOT IN ('established', 'test', 'exited')
                THEN 'unknown channel status (expected established, test or exited)'
        END AS status_problem,
        CASE
            WHEN tp_text(launched_on) IS NULL THEN NULL
            WHEN p_launched_on IS NULL THEN 'not a calendar date (expected YYYY-MM-DD)'
            WHEN NOT tp_in_window(p_launched_on) THEN tp_outside('date', launched_on)
        END AS launched_on_problem
    FROM parsed
)
SELECT
    p_channel AS channel,
    p_status AS status,
    p_group_name AS group_name,
    p_launched_on AS launched_on,
    CASE
        WHEN channel_problem IS NOT NULL OR status_problem IS NOT NULL
            OR launched_on_problem IS NOT NULL
        THEN list_filter(
            [
                tp_problem('channel', channel_problem, channel),
                tp_problem('status', status_problem, status),
                tp_problem('launched_on', launched_on_problem, launched_on)
            ],
            lambda p: p IS NOT NULL
        )
    END AS _problems
FROM checked;

-- The view _parsed: the touchpoint rows of _source parsed to warehouse types,
-- with the list of problems of each bad row (NULL for good rows). A timestamp
-- must lie in the ingest's time window and a channel name must not hold the
-- path separator (see ingest_macros.sql).
-- interaction: blank or absent means 'click'; otherwise 'click' or 'view' in any
-- case, stored lower-case; any other value is a bad row. A file without
-- event_id (tp_shape.derive_ids) gets the content key of each row (tp_row_key),
-- completed into its id by derive_ids_touchpoints.sql.
CREATE OR REPLACE TEMP VIEW _parsed AS
WITH
parsed AS (
    SELECT
        tp_text(event_id) AS p_event_id,
        tp_text(user_id) AS p_user_id,
        coalesce(ts_native, tp_utc(ts)) AS p_ts,
        tp_text(channel) AS p_channel,
        tp_text(campaign) AS p_campaign,
        coalesce(lower(tp_text(interaction)), 'click') AS p_interaction,
        tp_money(cost) AS p_cost,
        tp_money_problem(cost) AS cost_problem,
        event_id, user_id, ts, ts_native, channel, interaction, cost, channel_key
    FROM _source
),
checked AS (
    SELECT
        *,
        CASE
            WHEN p_event_id IS NULL AND NOT getvariable('tp_shape').derive_ids
                THEN 'empty event_id'
        END AS event_id_problem,
        CASE WHEN p_user_id IS NULL THEN 'empty user_id' END AS user_id_problem,
        CASE
            WHEN tp_in_window(p_ts) THEN NULL
            WHEN p_ts IS NOT NULL
                THEN tp_outside('timestamp', coalesce(ts, CAST(ts_native AS VARCHAR)))
            WHEN tp_text(ts) IS NULL THEN 'missing timestamp'
            ELSE 'unparseable timestamp (expected ISO 8601)'
        END AS ts_problem,
        tp_channel_problem(p_channel) AS channel_problem,
        CASE
            WHEN p_interaction NOT IN ('click', 'view')
                THEN 'unknown interaction (expected click or view)'
        END AS interaction_problem
    FROM parsed
)
SELECT
    CASE
        WHEN getvariable('tp_shape').derive_ids
            THEN tp_row_key(['touchpoint', p_user_id, tp_ts_text(p_ts),
                             coalesce(channel_key, p_channel), p_campaign, p_interaction,
                             CAST(p_cost AS VARCHAR)])
        ELSE p_event_id
    END AS event_id,
    p_user_id AS user_id,
    p_ts AS ts,
    p_channel AS channel,
    p_campaign AS campaign,
    p_interaction AS interaction,
    p_cost AS cost,
    CASE
        WHEN event_id_problem IS NOT NULL OR user_id_problem IS NOT NULL
            OR ts_problem IS NOT NULL OR channel_problem IS NOT NULL
            OR interaction_problem IS NOT NULL OR cost_problem IS NOT NULL
        THEN list_filter(
            [
                tp_problem('event_id', event_id_problem, event_id),
                tp_problem('user_id', user_id_problem, user_id),
                tp_problem('ts', ts_problem, coalesce(ts, CAST(ts_native AS VARCHAR))),
                tp_problem('channel', channel_problem, channel),
                tp_problem('interaction', interaction_problem, interaction),
                tp_problem('cost', cost_problem, cost)
            ],
            lambda p: p IS NOT NULL
        )
    END AS _problems
FROM checked;

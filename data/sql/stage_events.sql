-- The view _parsed: the rows of an events file parsed, each bound for one
-- table (_target): a row whose event (trimmed, any case) is one of the
-- conversion events (tp_shape.conversion_events) is a conversion, kind = the
-- event name lower-cased, value required; every other row is a touch,
-- interaction 'view' for the view-through events (tp_shape.view_events), else
-- 'click', unless the interaction column says (click or view, any case).
-- value is read on conversion rows only; channel, campaign, cost and
-- interaction on touch rows only. event_id is the id of either; a file
-- without it (tp_shape.derive_ids) gets the content key of the touch or the
-- conversion (tp_row_key), completed by derive_ids_events.sql. _attrs: a
-- conversion row's attribute values (trimmed, blank as NULL), named by tp_attrs.
CREATE OR REPLACE TEMP VIEW _parsed AS
WITH
parsed AS (
    SELECT
        tp_text(event_id) AS p_event_id,
        tp_text(user_id) AS p_user_id,
        coalesce(ts_native, tp_utc(ts)) AS p_ts,
        tp_text(event) AS p_event,
        lower(tp_text(event)) AS p_name,
        tp_text(channel) AS p_channel,
        tp_text(campaign) AS p_campaign,
        lower(tp_text(interaction)) AS p_given_interaction,
        tp_money(cost) AS p_cost,
        tp_money(value) AS p_value,
        event_id, user_id, ts, ts_native, event, channel, interaction, cost, value,
        list_transform(_attrs, lambda v: tp_text(v)) AS p_attrs,
        channel_key, _record
    FROM _source
),
bound AS (
    SELECT
        *,
        CASE
            WHEN list_contains(getvariable('tp_shape').conversion_events, p_name)
                THEN 'conversions'
            ELSE 'touchpoints'
        END AS target,
        coalesce(
            p_given_interaction,
            CASE WHEN list_contains(getvariable('tp_shape').view_events, p_name) THEN 'view' END,
            'click'
        ) AS p_interaction
    FROM parsed
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
        CASE WHEN p_name IS NULL THEN 'empty event' END AS event_problem,
        CASE
            WHEN target = 'touchpoints' AND p_name IS NOT NULL
                THEN tp_channel_problem(p_channel)
        END AS channel_problem,
        CASE
            WHEN target = 'touchpoints' AND p_interaction NOT IN ('click', 'view')
                THEN 'unknown interaction (expected click or view)'
        END AS interaction_problem,
        CASE WHEN target = 'touchpoints' THEN tp_money_problem(cost) END AS cost_problem,
        CASE
            WHEN target <> 'conversions' THEN NULL
            WHEN tp_text(value) IS NULL
                THEN 'conversion event ''' || p_event
                    || ''' has no value (map a value column with --map value=...)'
            ELSE tp_money_problem(value)
        END AS value_problem
    FROM bound
)
SELECT
    target AS _target,
    _record,
    CASE
        WHEN NOT getvariable('tp_shape').derive_ids THEN p_event_id
        WHEN target = 'conversions'
            THEN tp_row_key(['conversion', p_user_id, tp_ts_text(p_ts),
                             CAST(p_value AS VARCHAR), p_name])
        ELSE tp_row_key(['touchpoint', p_user_id, tp_ts_text(p_ts),
                         coalesce(channel_key, p_channel), p_campaign, p_interaction,
                         CAST(p_cost AS VARCHAR)])
    END AS event_id,
    p_user_id AS user_id,
    p_ts AS ts,
    CASE WHEN target = 'touchpoints' THEN p_channel END AS channel,
    CASE WHEN target = 'touchpoints' THEN p_campaign END AS campaign,
    CASE WHEN target = 'touchpoints' THEN p_interaction END AS interaction,
    CASE WHEN target = 'touchpoints' THEN p_cost END AS cost,
    CASE WHEN target = 'conversions' THEN p_value END AS value,
    CASE WHEN target = 'conversions' THEN p_name END AS kind,
    CASE WHEN target = 'conversions' THEN p_attrs END AS _attrs,
    CASE
        WHEN event_id_problem IS NOT NULL OR user_id_problem IS NOT NULL
            OR ts_problem IS NOT NULL OR event_problem IS NOT NULL
            OR channel_problem IS NOT NULL OR interaction_problem IS NOT NULL
            OR cost_problem IS NOT NULL OR value_problem IS NOT NULL
        THEN list_filter(
            [
                tp_problem('event_id', event_id_problem, event_id),
                tp_problem('user_id', user_id_problem, user_id),
                tp_problem('ts', ts_problem, coalesce(ts, CAST(ts_native AS VARCHAR))),
                tp_problem('event', event_problem, event),
                tp_problem('channel', channel_problem, channel),
                tp_problem('interaction', interaction_problem, interaction),
                tp_problem('cost', cost_problem, cost),
                tp_problem('value', value_problem, value)
            ],
            lambda p: p IS NOT NULL
        )
    END AS _problems
FROM checked;

-- The rows a GA4 export gives in the events shape (_ga4_rows), from its
-- checked records (_ga4_events, ga4_problems.sql found nothing):
--
-- * one touch per session, a session being user_pseudo_id + the ga_session_id
--   parameter: event 'session_start' at the session's earliest event (ties:
--   the first in the file), event_id 'ga4s:<user_pseudo_id>:<ga_session_id>',
--   referrer the page_referrer parameter of that first event. Its source,
--   medium and campaign are those of the session's first event that has any
--   of collected_traffic_source.manual_source / manual_medium /
--   manual_campaign_name; else of its first event with any of the source /
--   medium / campaign parameters; else google / cpc when the session carries a
--   gclid (Google Ads auto-tagging); else (direct) / (none).
-- * one conversion per purchase event: event 'purchase', event_id
--   ecommerce.transaction_id (a purchase repeating a transaction_id already
--   seen is GA4's duplicate and is dropped, the earliest kept); without a
--   transaction_id, 'ga4p:<user_pseudo_id>:<event_timestamp>' (':<n>' added for
--   the n-th such purchase of the user in the same microsecond); value the
--   revenue as exact decimal text, a revenue with more than 6 decimal places
--   (GA4's FLOAT64 artifacts) rounded half-up to the millionth (rounded).
--
-- Events without ga_session_id make no touch (a purchase among them still
-- makes its conversion); ga4_summary_table.sql counts them. ga_row is the
-- record number of the event the row comes from.
CREATE OR REPLACE TEMP TABLE _ga4_rows AS
WITH session_events AS (
    SELECT
        *,
        row_number() OVER (PARTITION BY user_pseudo_id, session_id ORDER BY ts_us, rn) AS k
    FROM _ga4_events
    WHERE session_id IS NOT NULL
),
sessions AS (
    SELECT
        user_pseudo_id,
        session_id,
        arg_min({'source': cts_source, 'medium': cts_medium, 'campaign': cts_campaign}, k)
            FILTER (WHERE coalesce(cts_source, cts_medium, cts_campaign) IS NOT NULL)
            AS collected,
        arg_min({'source': param_source, 'medium': param_medium, 'campaign': param_campaign}, k)
            FILTER (WHERE coalesce(param_source, param_medium, param_campaign) IS NOT NULL)
            AS params,
        bool_or(gclid IS NOT NULL) AS has_gclid
    FROM session_events
    GROUP BY user_pseudo_id, session_id
),
touches AS (
    SELECT
        s.user_pseudo_id AS user_id,
        f.ts_us,
        'session_start' AS event,
        'ga4s:' || s.user_pseudo_id || ':' || s.session_id AS event_id,
        CAST(NULL AS VARCHAR) AS value,
        CASE
            WHEN collected IS NOT NULL THEN collected.source
            WHEN params IS NOT NULL THEN params.source
            WHEN has_gclid THEN 'google'
            ELSE '(direct)'
        END AS source,
        CASE
            WHEN collected IS NOT NULL THEN collected.medium
            WHEN params IS NOT NULL THEN params.medium
            WHEN has_gclid THEN 'cpc'
            ELSE '(none)'
        END AS medium,
        CASE
            WHEN collected IS NOT NULL THEN collected.campaign
            WHEN params IS NOT NULL THEN params.campaign
        END AS campaign,
        f.referrer,
        f.rn AS ga_row,
        0 AS kind,
        false AS rounded
    FROM sessions AS s
    JOIN session_events AS f
        ON f.k = 1 AND f.user_pseudo_id = s.user_pseudo_id AND f.session_id = s.session_id
),
purchases AS (
    SELECT
        *,
        row_number() OVER (PARTITION BY transaction_id ORDER BY ts_us, rn) AS repeat_k,
        row_number() OVER (PARTITION BY transaction_id IS NULL, user_pseudo_id, ts_us
                           ORDER BY rn) AS same_k
    FROM _ga4_events
    WHERE event_name = 'purchase'
),
conversions AS (
    SELECT
        user_pseudo_id AS user_id,
        ts_us,
        'purchase' AS event,
        coalesce(transaction_id,
                 'ga4p:' || user_pseudo_id || ':' || CAST(ts_us AS VARCHAR)
                 || CASE WHEN same_k > 1 THEN ':' || CAST(same_k AS VARCHAR) ELSE '' END)
            AS event_id,
        tp_ga4_decimal(revenue_text) AS value,
        CAST(NULL AS VARCHAR) AS source,
        CAST(NULL AS VARCHAR) AS medium,
        CAST(NULL AS VARCHAR) AS campaign,
        CAST(NULL AS VARCHAR) AS referrer,
        rn AS ga_row,
        1 AS kind,
        tp_ga4_rounded(revenue_text) AS rounded
    FROM purchases
    WHERE transaction_id IS NULL OR repeat_k = 1
)
SELECT
    user_id,
    strftime(make_timestamp(ts_us), '%Y-%m-%dT%H:%M:%S.%fZ') AS ts,
    event,
    event_id,
    value,
    source,
    medium,
    campaign,
    referrer,
    ga_row,
    kind,
    rounded
FROM (SELECT * FROM touches UNION ALL SELECT * FROM conversions)
ORDER BY ga_row, kind;

-- The fields Touchpath reads from each record of a GA4 export (_ga4_records,
-- ga4_records_*.sql, read by tp_ga4_record), by the field names of the
-- BigQuery events_YYYYMMDD schema: rn the record number (1-based, file order), the user (user_pseudo_id), the
-- time (event_timestamp: INT64 microseconds, UTC), event_name, the session
-- (event parameter ga_session_id), the traffic source collected with the event
-- (collected_traffic_source.manual_*, gclid), the source, medium, campaign and
-- gclid event parameters, the page_referrer parameter and, for purchases,
-- ecommerce.transaction_id and ecommerce.purchase_revenue (else the
-- transaction_id and value parameters). Every other field is ignored.
CREATE OR REPLACE TEMP TABLE _ga4_events AS
WITH records AS (
    SELECT rowid + 1 AS rn, r.is_object, r.not_object, r.e
    FROM _ga4_records
)
SELECT
    rn,
    is_object,
    not_object,
    tp_ga4_text(e.user_pseudo_id) AS user_pseudo_id,
    tp_ga4_text(e.event_timestamp) AS ts_text,
    tp_ga4_int(tp_ga4_text(e.event_timestamp)) AS ts_us,
    tp_ga4_text(e.event_name) AS event_name,
    tp_ga4_param(e.event_params, 'ga_session_id') AS session_id,
    tp_ga4_text(e.collected_traffic_source.manual_source) AS cts_source,
    tp_ga4_text(e.collected_traffic_source.manual_medium) AS cts_medium,
    tp_ga4_text(e.collected_traffic_source.manual_campaign_name) AS cts_campaign,
    coalesce(tp_ga4_text(e.collected_traffic_source.gclid),
             tp_ga4_param(e.event_params, 'gclid')) AS gclid,
    tp_ga4_param(e.event_params, 'source') AS param_source,
    tp_ga4_param(e.event_params, 'medium') AS param_medium,
    tp_ga4_param(e.event_params, 'campaign') AS param_campaign,
    tp_ga4_param(e.event_params, 'page_referrer') AS referrer,
    tp_ga4_set(coalesce(tp_ga4_text(e.ecommerce.transaction_id),
                        tp_ga4_param(e.event_params, 'transaction_id'))) AS transaction_id,
    CASE
        WHEN tp_ga4_text(e.ecommerce.purchase_revenue) IS NOT NULL
            THEN 'ecommerce.purchase_revenue'
        WHEN tp_ga4_param(e.event_params, 'value') IS NOT NULL THEN 'event_params.value'
    END AS revenue_field,
    coalesce(tp_ga4_text(e.ecommerce.purchase_revenue),
             tp_ga4_param(e.event_params, 'value')) AS revenue_text
FROM records;

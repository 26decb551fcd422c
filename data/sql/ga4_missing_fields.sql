-- Records in the GA4 export that are objects, and the required fields that no
-- record has (absent or null everywhere: the file is not a GA4 events export,
-- or was exported without them).
SELECT
    count(*) AS records,
    list_filter([
        CASE WHEN count(tp_ga4_text(r.e.user_pseudo_id)) = 0 THEN 'user_pseudo_id' END,
        CASE WHEN count(tp_ga4_text(r.e.event_timestamp)) = 0 THEN 'event_timestamp' END,
        CASE WHEN count(tp_ga4_text(r.e.event_name)) = 0 THEN 'event_name' END
    ], lambda f: f IS NOT NULL) AS absent
FROM _ga4_records
WHERE r.is_object;

-- What the reading of a GA4 export found (_ga4_summary, read by ga4_summary.sql):
-- events read, session touches made, purchases kept, purchases dropped as
-- repeats of a transaction_id, and events without ga_session_id that made no
-- row (every event of that kind but purchases), and purchases kept whose
-- revenue was rounded to the millionth (more than 6 decimal places).
CREATE OR REPLACE TEMP TABLE _ga4_summary AS
SELECT
    (SELECT count(*) FROM _ga4_events) AS events_read,
    (SELECT count(*) FROM _ga4_rows WHERE kind = 0) AS sessions,
    (SELECT count(*) FROM _ga4_rows WHERE kind = 1) AS purchases,
    (SELECT count(*) FROM _ga4_events WHERE event_name = 'purchase')
        - (SELECT count(*) FROM _ga4_rows WHERE kind = 1) AS duplicate_purchases,
    (SELECT count(*) FROM _ga4_events
     WHERE session_id IS NULL AND event_name <> 'purchase') AS events_without_session,
    (SELECT count(*) FROM _ga4_rows WHERE kind = 1 AND rounded) AS revenues_rounded;

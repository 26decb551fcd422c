-- The view _raw over the rows of a GA4 export (ga4_rows.sql) in the events
-- shape: text columns user_id, ts (ISO 8601, UTC, to the microsecond), event,
-- event_id, value, source, medium, campaign, referrer, and ga_row, the record
-- number of the event each row comes from.
CREATE OR REPLACE TEMP VIEW _raw AS
SELECT user_id, ts, event, event_id, value, source, medium, campaign, referrer, ga_row
FROM _ga4_rows
ORDER BY ga_row, kind;

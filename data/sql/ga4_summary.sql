-- The counts of the last GA4 export read on this connection (ga4_summary_table.sql).
SELECT events_read, sessions, purchases, duplicate_purchases, events_without_session,
       revenues_rounded
FROM _ga4_summary;

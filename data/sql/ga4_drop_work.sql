-- Drop the working tables and macros of reading a GA4 export; the rows
-- (_ga4_rows, behind the view _raw) and the counts (_ga4_summary) stay.
DROP TABLE IF EXISTS temp._ga4_records;
DROP TABLE IF EXISTS temp._ga4_events;
DROP MACRO IF EXISTS temp.tp_ga4_decimal;
DROP MACRO IF EXISTS temp.tp_ga4_money_problem;
DROP MACRO IF EXISTS temp.tp_ga4_rounded;
DROP MACRO IF EXISTS temp.tp_ga4_set;
DROP MACRO IF EXISTS temp.tp_ga4_int;
DROP MACRO IF EXISTS temp.tp_ga4_param;
DROP MACRO IF EXISTS temp.tp_ga4_value;
DROP MACRO IF EXISTS temp.tp_ga4_record;
DROP MACRO IF EXISTS temp.tp_ga4_text;

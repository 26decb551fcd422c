-- Drop everything an ingest made on its connection (views over the source,
-- staging tables, CSV reject tables, macros, the settings variables), whether
-- the file loaded or was refused. The DataFrame registration _raw_frame, the
-- registered relations _source / _source_mapped and the channel rules' tables
-- (ChannelRules.drop) are removed by the caller.
DROP VIEW IF EXISTS temp._staged;
DROP VIEW IF EXISTS temp._parsed;
DROP VIEW IF EXISTS temp._source;
DROP VIEW IF EXISTS temp._channel_inputs;
DROP VIEW IF EXISTS temp._raw;
DROP TABLE IF EXISTS temp._stage;
DROP TABLE IF EXISTS temp._stage_rows;
DROP TABLE IF EXISTS temp._problems;
DROP TABLE IF EXISTS temp._csv_rejects;
DROP TABLE IF EXISTS temp._csv_reject_scans;
DROP MACRO IF EXISTS temp.tp_row_key;
DROP MACRO IF EXISTS temp.tp_ts_text;
DROP MACRO IF EXISTS temp.tp_problem;
DROP MACRO IF EXISTS temp.tp_channel_problem;
DROP MACRO IF EXISTS temp.tp_outside;
DROP MACRO IF EXISTS temp.tp_in_window;
DROP MACRO IF EXISTS temp.tp_money_problem;
DROP MACRO IF EXISTS temp.tp_money;
DROP MACRO IF EXISTS temp.tp_day;
DROP MACRO IF EXISTS temp.tp_day_of;
DROP MACRO IF EXISTS temp.tp_utc;
DROP MACRO IF EXISTS temp.tp_iso;
DROP MACRO IF EXISTS temp.tp_text;
RESET VARIABLE tp_ingest;
RESET VARIABLE tp_shape;
RESET VARIABLE tp_channels;
RESET SESSION preserve_insertion_order;
DROP VIEW IF EXISTS temp._attribute_rows;
RESET VARIABLE tp_attrs;

-- The view _staged of an events file without event_id: the parsed rows with
-- their derived id (content key of the touch or conversion, see tp_row_key)
-- completed by ':' and the occurrence number of the row among the file's
-- identical rows going to the same table.
CREATE OR REPLACE TEMP VIEW _staged AS
SELECT * REPLACE (
    event_id || ':' || row_number() OVER (PARTITION BY _target, event_id) AS event_id)
FROM _parsed;

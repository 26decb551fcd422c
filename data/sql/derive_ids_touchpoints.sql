-- The view _staged of a touchpoints file without event_id: the parsed rows
-- with their derived id (content key, see tp_row_key) completed by ':' and the
-- occurrence number of the row among the file's identical rows (1, 2, ...).
-- Identical rows have the same content, so which of them gets which number
-- does not change what is stored.
CREATE OR REPLACE TEMP VIEW _staged AS
SELECT * REPLACE (event_id || ':' || row_number() OVER (PARTITION BY event_id) AS event_id)
FROM _parsed;

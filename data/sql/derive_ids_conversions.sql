-- The view _staged of a conversions file without conversion_id: the parsed
-- rows with their derived id (content key, see tp_row_key) completed by ':'
-- and the occurrence number of the row among the file's identical rows.
CREATE OR REPLACE TEMP VIEW _staged AS
SELECT * REPLACE (
    conversion_id || ':' || row_number() OVER (PARTITION BY conversion_id) AS conversion_id)
FROM _parsed;

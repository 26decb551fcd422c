-- The problems found while staging, one row per (record, column); record
-- numbers (_row) count data records from 1, the header not counted.
CREATE OR REPLACE TEMP TABLE _problems AS
WITH
bad_rows AS (
    SELECT _row AS row, unnest(_problems) AS problem
    FROM _stage
    WHERE _problems IS NOT NULL
)
SELECT row, problem['column'] AS "column", problem['reason'] AS reason,
       problem['value'] AS value
FROM bad_rows;

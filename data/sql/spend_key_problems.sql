-- Key problems of staged spend: a (channel, day) repeated in the file (the
-- later records are named), or one already stored with another amount.
INSERT INTO _problems
WITH
staged AS (
    SELECT _row AS row, * FROM _stage WHERE channel IS NOT NULL AND day IS NOT NULL
),
repeated AS (
    SELECT channel, day, min(row) AS first_row
    FROM staged
    GROUP BY channel, day
    HAVING count(*) > 1
),
duplicate_rows AS (
    SELECT s.row, 'day' AS "column",
           'duplicate (channel, day) in the file (first at row ' || r.first_row || ')'
               AS reason,
           s.channel || ' ' || s.day AS value
    FROM staged AS s
    JOIN repeated AS r USING (channel, day)
    WHERE s.row > r.first_row
),
conflicting_rows AS (
    SELECT s.row, 'amount' AS "column",
           'spend for this channel and day already stored with amount '
               || CAST(p.amount AS VARCHAR) AS reason,
           CAST(s.amount AS VARCHAR) AS value
    FROM staged AS s
    JOIN spend AS p USING (channel, day)
    WHERE s._problems IS NULL AND s.amount IS DISTINCT FROM p.amount
)
SELECT * FROM duplicate_rows
UNION ALL
SELECT * FROM conflicting_rows;

-- Key problems of staged channels: a channel listed twice in the file (the
-- later records are named). A stored channel is updated, not a conflict.
INSERT INTO _problems
WITH
staged AS (
    SELECT _row AS row, * FROM _stage WHERE channel IS NOT NULL
),
repeated AS (
    SELECT channel, min(row) AS first_row
    FROM staged
    GROUP BY channel
    HAVING count(*) > 1
)
SELECT s.row, 'channel' AS "column",
       'duplicate channel in the file (first at row ' || r.first_row || ')' AS reason,
       s.channel AS value
FROM staged AS s
JOIN repeated AS r USING (channel)
WHERE s.row > r.first_row;

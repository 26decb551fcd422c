-- Key problems of a staged users file: a user_id repeated in the file (the
-- later records are named).
INSERT INTO _problems
WITH
staged AS (
    SELECT _row AS row, * FROM _stage WHERE user_id IS NOT NULL
),
repeated AS (
    SELECT user_id, min(row) AS first_row
    FROM staged
    GROUP BY user_id
    HAVING count(*) > 1
)
SELECT s.row, 'user_id' AS "column",
       'duplicate user_id in the file (first at row ' || r.first_row || ')' AS reason,
       s.user_id AS value
FROM staged AS s
JOIN repeated AS r USING (user_id)
WHERE s.row > r.first_row;

-- Key problems of staged conversions: a conversion_id repeated in the file (the
-- later records are named), or one already stored with other values.
INSERT INTO _problems
WITH
staged AS (
    SELECT _row AS row, * FROM _stage WHERE conversion_id IS NOT NULL
),
repeated AS (
    SELECT conversion_id, min(row) AS first_row
    FROM staged
    GROUP BY conversion_id
    HAVING count(*) > 1
),
duplicate_rows AS (
    SELECT s.row, 'conversion_id' AS "column",
           'duplicate conversion_id in the file (first at row ' || r.first_row || ')'
               AS reason,
           s.conversion_id AS value
    FROM staged AS s
    JOIN repeated AS r USING (conversion_id)
    WHERE s.row > r.first_row
),
conflicting_rows AS (
    SELECT s.row, 'conversion_id' AS "column",
           'conversion_id already stored with different values' AS reason,
           s.conversion_id AS value
    FROM staged AS s
    JOIN conversions AS c USING (conversion_id)
    WHERE s._problems IS NULL AND (
        s.user_id IS DISTINCT FROM c.user_id
        OR s.ts IS DISTINCT FROM c.ts
        OR s.value IS DISTINCT FROM c.value
        OR s.kind IS DISTINCT FROM c.kind
    )
)
SELECT * FROM duplicate_rows
UNION ALL
SELECT * FROM conflicting_rows;

-- Key problems of staged touchpoints: an event_id repeated in the file (the
-- later records are named), or an event_id already stored with other values.
INSERT INTO _problems
WITH
staged AS (
    SELECT _row AS row, * FROM _stage WHERE event_id IS NOT NULL
),
repeated AS (
    SELECT event_id, min(row) AS first_row
    FROM staged
    GROUP BY event_id
    HAVING count(*) > 1
),
duplicate_rows AS (
    SELECT s.row, 'event_id' AS "column",
           'duplicate event_id in the file (first at row ' || r.first_row || ')' AS reason,
           s.event_id AS value
    FROM staged AS s
    JOIN repeated AS r USING (event_id)
    WHERE s.row > r.first_row
),
conflicting_rows AS (
    SELECT s.row, 'event_id' AS "column",
           'event_id already stored with different values' AS reason,
           s.event_id AS value
    FROM staged AS s
    JOIN touchpoints AS t USING (event_id)
    WHERE s._problems IS NULL AND (
        s.user_id IS DISTINCT FROM t.user_id
        OR s.ts IS DISTINCT FROM t.ts
        OR s.channel IS DISTINCT FROM t.channel
        OR s.campaign IS DISTINCT FROM t.campaign
        OR s.interaction IS DISTINCT FROM t.interaction
        OR s.cost IS DISTINCT FROM t.cost
    )
)
SELECT * FROM duplicate_rows
UNION ALL
SELECT * FROM conflicting_rows;

-- Key problems of a staged events file: an event_id repeated among the rows
-- bound for the same table (the later records are named), or one already
-- stored in that table with other values.
INSERT INTO _problems
WITH
staged AS (
    SELECT _row AS row, * FROM _stage WHERE event_id IS NOT NULL
),
repeated AS (
    SELECT _target, event_id, min(row) AS first_row
    FROM staged
    GROUP BY _target, event_id
    HAVING count(*) > 1
),
duplicate_rows AS (
    SELECT s.row, 'event_id' AS "column",
           'duplicate event_id among the file''s '
               || CASE s._target WHEN 'conversions' THEN 'conversions' ELSE 'touches' END
               || ' (first at row ' || r.first_row || ')' AS reason,
           s.event_id AS value
    FROM staged AS s
    JOIN repeated AS r USING (_target, event_id)
    WHERE s.row > r.first_row
),
conflicting_touches AS (
    SELECT s.row, 'event_id' AS "column",
           'event_id already stored in touchpoints with different values' AS reason,
           s.event_id AS value
    FROM staged AS s
    JOIN touchpoints AS t USING (event_id)
    WHERE s._target = 'touchpoints' AND s._problems IS NULL AND (
        s.user_id IS DISTINCT FROM t.user_id
        OR s.ts IS DISTINCT FROM t.ts
        OR s.channel IS DISTINCT FROM t.channel
        OR s.campaign IS DISTINCT FROM t.campaign
        OR s.interaction IS DISTINCT FROM t.interaction
        OR s.cost IS DISTINCT FROM t.cost
    )
),
conflicting_conversions AS (
    SELECT s.row, 'event_id' AS "column",
           'event_id already stored in conversions with different values' AS reason,
           s.event_id AS value
    FROM staged AS s
    JOIN conversions AS c ON c.conversion_id = s.event_id
    WHERE s._target = 'conversions' AND s._problems IS NULL AND (
        s.user_id IS DISTINCT FROM c.user_id
        OR s.ts IS DISTINCT FROM c.ts
        OR s.value IS DISTINCT FROM c.value
        OR s.kind IS DISTINCT FROM c.kind
    )
)
SELECT * FROM duplicate_rows
UNION ALL
SELECT * FROM conflicting_touches
UNION ALL
SELECT * FROM conflicting_conversions;

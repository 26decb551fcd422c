-- Key problems of staged experiments: an experiment whose window overlaps an
-- earlier row's of the same channel and kind in the file (the later row is
-- named), or overlaps a stored experiment of the same channel and kind that
-- is not the same one.
INSERT INTO _problems
WITH
staged AS (
    SELECT _row AS row, * FROM _stage WHERE _problems IS NULL
),
overlapping_rows AS (
    SELECT b.row, 'start' AS "column",
           'overlaps the experiment on ' || b.channel || ' (' || b.kind || ') at row '
               || min(a.row) || ' (' || CAST(min(a.start_day) AS VARCHAR) || ' .. '
               || CAST(min(a.end_day) AS VARCHAR)
               || '); experiments of one channel must not overlap' AS reason,
           CAST(b.start_day AS VARCHAR) || ' .. ' || CAST(b.end_day AS VARCHAR) AS value
    FROM staged AS b
    JOIN staged AS a
        ON a.channel = b.channel AND a.kind = b.kind AND a.row < b.row
        AND a.start_day <= b.end_day AND b.start_day <= a.end_day
    GROUP BY b.row, b.channel, b.kind, b.start_day, b.end_day
),
stored_rows AS (
    SELECT s.row, 'start' AS "column",
           'overlaps the stored experiment on ' || s.channel || ' (' || s.kind || ') '
               || CAST(min(e.start_day) AS VARCHAR) || ' .. '
               || CAST(min(e.end_day) AS VARCHAR)
               || '; experiments of one channel must not overlap' AS reason,
           CAST(s.start_day AS VARCHAR) || ' .. ' || CAST(s.end_day AS VARCHAR) AS value
    FROM staged AS s
    JOIN experiments AS e
        ON e.channel = s.channel AND e.kind = s.kind
        AND e.start_day <= s.end_day AND s.start_day <= e.end_day
    WHERE NOT (e.start_day = s.start_day AND e.end_day = s.end_day
               AND e.metric = s.metric AND e.incremental = s.incremental
               AND e.lower IS NOT DISTINCT FROM s.lower
               AND e.upper IS NOT DISTINCT FROM s.upper)
    GROUP BY s.row, s.channel, s.kind, s.start_day, s.end_day
)
SELECT * FROM overlapping_rows
UNION ALL
SELECT * FROM stored_rows;

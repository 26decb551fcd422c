-- Whether staged experiments can load, in one pass: rows in the file, rows
-- with problems, experiments of one channel and kind whose windows overlap in
-- the file (counted once per overlapping pair of different rows, plus each
-- repeat of an identical row), and experiments overlapping a
-- stored one of the same channel and kind that is not the same experiment
-- (an identical stored row is a re-ingest, skipped).
WITH
ok AS (
    SELECT * FROM _staged WHERE _problems IS NULL
)
SELECT
    (SELECT count(*) FROM _staged) AS rows_in_file,
    (SELECT count(*) FROM _staged WHERE _problems IS NOT NULL) AS bad_rows,
    (SELECT count(*) FROM ok AS a JOIN ok AS b
        ON a.channel = b.channel AND a.kind = b.kind
        AND a.start_day <= b.end_day AND b.start_day <= a.end_day
        AND (a.start_day, a.end_day, a.metric, a.incremental)
            < (b.start_day, b.end_day, b.metric, b.incremental))
    + (SELECT count(*) - count(DISTINCT {'channel': channel, 'kind': kind,
                                         'start_day': start_day, 'end_day': end_day,
                                         'metric': metric, 'incremental': incremental,
                                         'lower': lower, 'upper': upper})
       FROM ok) AS repeated_keys,
    (SELECT count(*) FROM ok AS s JOIN experiments AS e
        ON e.channel = s.channel AND e.kind = s.kind
        AND e.start_day <= s.end_day AND s.start_day <= e.end_day
        WHERE NOT (e.start_day = s.start_day AND e.end_day = s.end_day
                   AND e.metric = s.metric AND e.incremental = s.incremental
                   AND e.lower IS NOT DISTINCT FROM s.lower
                   AND e.upper IS NOT DISTINCT FROM s.upper)) AS conflicts;

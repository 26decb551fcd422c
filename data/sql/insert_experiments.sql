-- Staged experiments not stored yet (re-ingesting the same file is a no-op).
INSERT INTO experiments (channel, kind, start_day, end_day, metric, incremental, lower, upper)
SELECT s.channel, s.kind, s.start_day, s.end_day, s.metric, s.incremental, s.lower, s.upper
FROM _staged AS s
WHERE NOT EXISTS (
    SELECT 1 FROM experiments AS e
    WHERE e.channel = s.channel AND e.kind = s.kind AND e.start_day = s.start_day
);

-- The stored experiments, per channel in time order; $kind NULL: every kind.
SELECT channel, kind, start_day, end_day, metric, incremental, lower, upper
FROM experiments
WHERE $kind IS NULL OR kind = $kind
ORDER BY channel, kind, start_day;

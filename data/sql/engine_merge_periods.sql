-- The path table of all periods together from the per-period rows of
-- engine_paths.sql (the Arrow view `period_rows`; a journey is in one period,
-- so summing over the periods counts each journey once). Rows ordered by path,
-- the direct row (empty path) last, as engine_paths.sql orders them.
SELECT
    path,
    CAST(sum(conversions) AS BIGINT) AS conversions,
    CAST(sum(value) AS DECIMAL(38, 6)) AS value,
    CAST(sum(nulls) AS BIGINT) AS nulls,
    CAST(sum(first_conversions) AS BIGINT) AS first_conversions
FROM period_rows
GROUP BY path
ORDER BY len(path) = 0, path;

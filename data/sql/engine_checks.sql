-- Rows the engine query cannot place (data/engines.py runs this first): per
-- required column, the rows where it is NULL, and conversions with a negative
-- value. One row; DuckDB dialect, transpiled by sqlglot like engine_paths.sql.
SELECT *
FROM (
    SELECT
        count(*) FILTER (WHERE event_id IS NULL) AS touchpoints_event_id,
        count(*) FILTER (WHERE user_id IS NULL) AS touchpoints_user_id,
        count(*) FILTER (WHERE ts IS NULL) AS touchpoints_ts,
        count(*) FILTER (WHERE channel IS NULL) AS touchpoints_channel
    FROM touchpoints
) AS t
CROSS JOIN (
    SELECT
        count(*) FILTER (WHERE conversion_id IS NULL) AS conversions_conversion_id,
        count(*) FILTER (WHERE user_id IS NULL) AS conversions_user_id,
        count(*) FILTER (WHERE ts IS NULL) AS conversions_ts,
        count(*) FILTER (WHERE value IS NULL) AS conversions_value,
        count(*) FILTER (WHERE CAST(value AS DECIMAL(18, 6)) < 0) AS conversions_negative_value
    FROM conversions
) AS c

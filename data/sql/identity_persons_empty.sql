-- No identity pairs: no id has a person other than itself (the engines' view
-- identity_persons, see engine_paths.sql).
SELECT
    CAST(NULL AS VARCHAR) AS user_id,
    CAST(NULL AS VARCHAR) AS person_id,
    CAST(NULL AS BIGINT) AS ids
WHERE 1 = 0

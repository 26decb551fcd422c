-- The stored components by size (ids): how many there are of each size and,
-- for those above the cap $max_ids (not merged), their names (smallest id).
WITH
components AS (
    SELECT person_id, max(ids) AS ids
    FROM identity_persons
    GROUP BY person_id
)
SELECT
    ids,
    count(*) AS components,
    list(person_id ORDER BY person_id) FILTER (WHERE ids > CAST($max_ids AS BIGINT)) AS oversized
FROM components
GROUP BY ids
ORDER BY ids;

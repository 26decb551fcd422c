-- The identity pairs: stored, self-pairs (one id twice), and pairs naming an id
-- with no touch and no conversion.
WITH
known AS (
    SELECT user_id FROM touchpoints
    UNION
    SELECT user_id FROM conversions
)
SELECT
    count(*) AS pairs,
    count(*) FILTER (WHERE i.id_a = i.id_b) AS self_pairs,
    count(*) FILTER (WHERE ka.user_id IS NULL OR kb.user_id IS NULL) AS unknown_pairs
FROM identities AS i
LEFT JOIN known AS ka ON ka.user_id = i.id_a
LEFT JOIN known AS kb ON kb.user_id = i.id_b;

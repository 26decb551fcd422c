-- The components found: each id with its person (the component's smallest id)
-- and the component's size in ids (reads identity_labels).
SELECT id AS user_id, label AS person_id, count(*) OVER (PARTITION BY label) AS ids
FROM identity_labels

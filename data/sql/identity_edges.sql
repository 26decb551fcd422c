-- The identity graph's edges, both ways: one row per (id, other) for every pair
-- of two different ids in the view or table `identities` (id_a, id_b). Self-
-- pairs and pairs with an empty id are no edge. DuckDB dialect, also run on
-- Spark through sqlglot (data/identities.py, data/engines.py).
SELECT CAST(id_a AS VARCHAR) AS id, CAST(id_b AS VARCHAR) AS other
FROM identities
WHERE id_a IS NOT NULL AND id_b IS NOT NULL AND id_a <> id_b
UNION
SELECT CAST(id_b AS VARCHAR) AS id, CAST(id_a AS VARCHAR) AS other
FROM identities
WHERE id_a IS NOT NULL AND id_b IS NOT NULL AND id_a <> id_b

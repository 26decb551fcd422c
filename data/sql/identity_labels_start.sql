-- Min-label propagation, start: each id of the graph labelled with the
-- smallest of itself and its neighbours (reads identity_edges).
SELECT id, least(id, min(other)) AS label
FROM identity_edges
GROUP BY id

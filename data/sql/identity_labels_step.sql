-- Min-label propagation, one step: each id takes the smallest of its label, its
-- neighbours' labels and the label of its label (pointer jumping, so a long
-- chain converges in few steps). A label is always an id of the same
-- component, so labels only fall, and stop when each component carries its
-- smallest id (reads identity_edges and identity_labels).
WITH
hooked AS (
    SELECT e.id, min(l.label) AS label
    FROM identity_edges AS e
    JOIN identity_labels AS l ON l.id = e.other
    GROUP BY e.id
)
SELECT s.id, least(s.label, h.label, j.label) AS label
FROM identity_labels AS s
JOIN hooked AS h ON h.id = s.id
JOIN identity_labels AS j ON j.id = s.label

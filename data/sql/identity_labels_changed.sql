-- How many ids the last step relabelled (0: the components are found).
SELECT count(*) AS changed
FROM identity_labels AS s
JOIN identity_labels_next AS n ON n.id = s.id
WHERE n.label <> s.label

-- Attribute values of the staged users not stored yet (re-ingest is a no-op).
INSERT INTO user_attributes (user_id, name, value)
SELECT a.owner, a.name, a.value
FROM _attribute_rows AS a
WHERE NOT EXISTS (
    SELECT 1 FROM user_attributes AS s WHERE s.user_id = a.owner AND s.name = a.name
)
RETURNING user_id, name;

-- Attribute values of the staged conversions not stored yet (re-ingest is a no-op).
INSERT INTO conversion_attributes (conversion_id, name, value)
SELECT a.owner, a.name, a.value
FROM _attribute_rows AS a
WHERE NOT EXISTS (
    SELECT 1 FROM conversion_attributes AS s WHERE s.conversion_id = a.owner AND s.name = a.name
)
RETURNING conversion_id, name;

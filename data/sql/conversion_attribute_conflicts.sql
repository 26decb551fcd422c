-- Attribute values of the staged rows that differ from the value stored for the
-- same conversion and attribute (a stored value is never silently replaced).
SELECT count(*)
FROM _attribute_rows AS a
JOIN conversion_attributes AS s ON s.conversion_id = a.owner AND s.name = a.name
WHERE s.value <> a.value;

-- Attribute values of the staged users that differ from the value stored for the
-- same user and attribute (a stored value is never silently replaced).
SELECT count(*)
FROM _attribute_rows AS a
JOIN user_attributes AS s ON s.user_id = a.owner AND s.name = a.name
WHERE s.value <> a.value;

-- Attribute conflicts of a staged conversions file, named by row and column (the
-- file's attribute column): a value that differs from the one stored for the
-- same conversion and attribute. _stage carries _row and _attrs.
INSERT INTO _problems
WITH
attribute_values AS (
    SELECT _row AS row, conversion_id AS owner, unnest(getvariable('tp_attrs')) AS name,
           unnest(_attrs) AS value
    FROM _stage
    WHERE _problems IS NULL AND _attrs IS NOT NULL
)
SELECT a.row, a.name AS "column",
       'conversion ' || a.owner || ' already stored with ' || a.name || ' = '''
           || s.value || ''' (a stored value is never replaced)' AS reason,
       a.value
FROM attribute_values AS a
JOIN conversion_attributes AS s ON s.conversion_id = a.owner AND s.name = a.name
WHERE a.value IS NOT NULL AND s.value <> a.value;

-- Attribute conflicts of a staged users file, named by row and column (the
-- file's attribute column): a value that differs from the one stored for the
-- same user and attribute. _stage carries _row and _attrs.
INSERT INTO _problems
WITH
attribute_values AS (
    SELECT _row AS row, user_id AS owner, unnest(getvariable('tp_attrs')) AS name,
           unnest(_attrs) AS value
    FROM _stage
    WHERE _problems IS NULL AND _attrs IS NOT NULL
)
SELECT a.row, a.name AS "column",
       'user ' || a.owner || ' already stored with ' || a.name || ' = '''
           || s.value || ''' (a stored value is never replaced)' AS reason,
       a.value
FROM attribute_values AS a
JOIN user_attributes AS s ON s.user_id = a.owner AND s.name = a.name
WHERE a.value IS NOT NULL AND s.value <> a.value;

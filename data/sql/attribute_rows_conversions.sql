-- The view _attribute_rows: one row per attribute value of the staged
-- conversions (owner = conversion_id); a blank value is no value.
CREATE OR REPLACE TEMP VIEW _attribute_rows AS
SELECT owner, name, value
FROM (
    SELECT conversion_id AS owner, unnest(getvariable('tp_attrs')) AS name,
           unnest(_attrs) AS value
    FROM _staged
    WHERE _problems IS NULL
)
WHERE value IS NOT NULL;

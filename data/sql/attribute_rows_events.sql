-- The view _attribute_rows: one row per attribute value of the conversion rows
-- of a staged events file (owner = the conversion's id); a blank value is no
-- value. Touch rows carry no attributes.
CREATE OR REPLACE TEMP VIEW _attribute_rows AS
SELECT owner, name, value
FROM (
    SELECT event_id AS owner, unnest(getvariable('tp_attrs')) AS name,
           unnest(_attrs) AS value
    FROM _staged
    WHERE _problems IS NULL AND _target = 'conversions'
)
WHERE value IS NOT NULL;

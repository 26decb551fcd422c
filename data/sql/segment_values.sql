-- The distinct values of the segmentable attributes ($names), per scope and name,
-- in value order.
SELECT scope, name, value
FROM (
    SELECT DISTINCT 'conversion' AS scope, name, value FROM conversion_attributes
    WHERE list_contains(CAST($names AS VARCHAR[]), name)
    UNION ALL
    SELECT DISTINCT 'user' AS scope, name, value FROM user_attributes
    WHERE list_contains(CAST($names AS VARCHAR[]), name)
)
ORDER BY name, value, scope;

-- The stored segment attributes: per scope ('conversion': conversion_attributes,
-- 'user': user_attributes) and name, the distinct values and the rows holding a
-- value. $names (NULL: all) restricts the names.
SELECT scope, name, count(DISTINCT value) AS distinct_values, count(*) AS rows
FROM (
    SELECT 'conversion' AS scope, name, value FROM conversion_attributes
    UNION ALL
    SELECT 'user' AS scope, name, value FROM user_attributes
)
WHERE CAST($names AS VARCHAR[]) IS NULL OR list_contains(CAST($names AS VARCHAR[]), name)
GROUP BY scope, name
ORDER BY name, scope;

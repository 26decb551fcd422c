-- The conversion kinds in the warehouse with their conversion counts, most
-- conversions first (ties by kind): what --kind / kind= can choose from.
SELECT kind, count(*) AS conversions
FROM conversions
GROUP BY kind
ORDER BY conversions DESC, kind

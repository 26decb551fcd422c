-- Total spend over start <= day < end (either bound may be NULL), summed
-- exactly as DECIMAL before it leaves the database.
SELECT coalesce(sum(amount), 0) AS total
FROM spend
WHERE ($start IS NULL OR day >= $start)
  AND ($end IS NULL OR day < $end)

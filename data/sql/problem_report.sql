-- The first $max_problems problems in file order, with the total count.
SELECT row, "column", reason, value, count(*) OVER () AS total
FROM _problems
ORDER BY row, "column", reason
LIMIT $max_problems;

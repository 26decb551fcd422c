-- Spend per channel and month from $first to $last (both inclusive): the actual
-- spend a recorded plan's pacing compares with, summed exactly as DECIMAL.
SELECT channel, strftime(day, '%Y-%m') AS month, sum(amount) AS spend
FROM spend
WHERE day BETWEEN $first AND $last
GROUP BY channel, month
ORDER BY channel, month

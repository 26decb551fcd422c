-- Daily spend per channel with the exact DECIMAL(18, 6) amounts, for the
-- channel ROI table's per-period sums.
SELECT channel, day, amount
FROM spend
ORDER BY channel, day

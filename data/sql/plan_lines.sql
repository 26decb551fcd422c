-- The channel-months of one recorded plan, in channel and month order.
SELECT channel, month, spend, expected_revenue
FROM plan_lines
WHERE plan_id = $plan_id
ORDER BY channel, month

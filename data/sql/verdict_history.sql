-- The recorded verdicts and status changes, oldest first; one channel, or all
-- when $channel is NULL.
SELECT channel, evaluated_at, period, verdict, roi, baseline, ratio, rule, reason, source
FROM channel_verdicts
WHERE $channel IS NULL OR channel = $channel
ORDER BY evaluated_at, channel

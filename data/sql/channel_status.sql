-- The stored status of one channel (no row when the channel is not registered).
SELECT status FROM channels WHERE channel = $channel

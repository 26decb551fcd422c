-- A user's status change of one channel (run in the transaction that records it).
UPDATE channels SET status = $status WHERE channel = $channel

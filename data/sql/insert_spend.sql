-- Staged spend whose (channel, day) is not stored yet (re-ingest is a no-op).
INSERT INTO spend (channel, day, amount)
SELECT s.channel, s.day, s.amount
FROM _staged AS s
WHERE NOT EXISTS (SELECT 1 FROM spend AS p WHERE p.channel = s.channel AND p.day = s.day);

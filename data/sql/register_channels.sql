-- Channels named by staged touchpoints or spend but not yet known: registered
-- as 'established' (a channels file may later say otherwise).
INSERT INTO channels (channel, status)
SELECT DISTINCT s.channel, 'established'
FROM _staged AS s
WHERE NOT EXISTS (SELECT 1 FROM channels AS c WHERE c.channel = s.channel)
RETURNING channel;

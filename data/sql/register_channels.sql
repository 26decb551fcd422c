-- Channels named by staged touchpoints, spend or the touches of an events file
-- (its conversions have no channel) but not yet known: registered
-- as 'established' (a channels file may later say otherwise).
INSERT INTO channels (channel, status)
SELECT DISTINCT s.channel, 'established'
FROM _staged AS s
WHERE s.channel IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM channels AS c WHERE c.channel = s.channel)
RETURNING channel;

-- The touches of a staged events file whose event_id is not stored yet.
INSERT INTO touchpoints (event_id, user_id, ts, channel, campaign, interaction, cost)
SELECT s.event_id, s.user_id, s.ts, s.channel, s.campaign, s.interaction, s.cost
FROM _staged AS s
WHERE s._target = 'touchpoints'
    AND NOT EXISTS (SELECT 1 FROM touchpoints AS t WHERE t.event_id = s.event_id);

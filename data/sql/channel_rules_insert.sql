-- The channel rules in order, bound as parallel lists (element i of each list is rule
-- i + 1: its channel and patterns; a NULL pattern matches any value).
INSERT INTO _channel_rules (rule_no, channel, source, medium, campaign, referrer)
SELECT
    unnest(range(1, len($channels::VARCHAR[]) + 1)),
    unnest($channels::VARCHAR[]),
    unnest($sources::VARCHAR[]),
    unnest($mediums::VARCHAR[]),
    unnest($campaigns::VARCHAR[]),
    unnest($referrers::VARCHAR[]);

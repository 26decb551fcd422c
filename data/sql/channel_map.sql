-- The channel of every distinct traffic source: its first matching rule's channel
-- (_channel_rules), else $other; "rows" = how many input rows had that combination.
CREATE OR REPLACE TEMP TABLE _channel_map AS
SELECT
    c.source,
    c.medium,
    c.campaign,
    c.referrer,
    coalesce(r.channel, $other) AS channel,
    c.n_rows                    AS "rows"
FROM _channel_combos AS c
LEFT JOIN _channel_rules AS r ON r.rule_no = c.rule_no;

-- The view _channel_inputs of a touchpoints file without channel: each row's
-- traffic source, trimmed (blank = NULL), for ChannelRules.stage.
CREATE OR REPLACE TEMP VIEW _channel_inputs AS
SELECT tp_text(source) AS source, tp_text(medium) AS medium,
       tp_text(campaign) AS campaign, tp_text(referrer) AS referrer
FROM _source_mapped;

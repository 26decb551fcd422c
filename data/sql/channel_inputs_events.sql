-- The view _channel_inputs of an events file without channel: the traffic
-- source of each touch row (every row whose event is not a conversion event),
-- trimmed (blank = NULL), for ChannelRules.stage.
CREATE OR REPLACE TEMP VIEW _channel_inputs AS
SELECT tp_text(source) AS source, tp_text(medium) AS medium,
       tp_text(campaign) AS campaign, tp_text(referrer) AS referrer
FROM _source_mapped
WHERE NOT coalesce(
    list_contains(getvariable('tp_shape').conversion_events, lower(tp_text(event))), false);

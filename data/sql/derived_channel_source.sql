-- The view _source of a file whose channels are derived: _source_mapped with
-- channel looked up by (source, medium, campaign, referrer) in the channels
-- _channel_map gave (ChannelRules.stage), kept as a map in the session
-- variable tp_channels so that no join reorders the rows. channel_key, the
-- channel's stand-in in derived ids, is the JSON text of the four values.
SET VARIABLE tp_channels = (
    SELECT map(list(to_json([source, medium, campaign, referrer])::VARCHAR), list(channel))
    FROM _channel_map
);
CREATE OR REPLACE TEMP VIEW _source AS
SELECT * REPLACE (
    map_extract_value(
        getvariable('tp_channels'),
        to_json([tp_text(source), tp_text(medium), tp_text(campaign), tp_text(referrer)])::VARCHAR
    ) AS channel,
    to_json([tp_text(source), tp_text(medium), tp_text(campaign), tp_text(referrer)])::VARCHAR
        AS channel_key
)
FROM _source_mapped;

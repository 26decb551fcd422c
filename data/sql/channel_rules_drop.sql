-- Drop what ChannelRules.stage made (the caller owns _channel_inputs).
DROP TABLE IF EXISTS temp._channel_map;
DROP TABLE IF EXISTS temp._channel_combos;
DROP TABLE IF EXISTS temp._channel_rules;

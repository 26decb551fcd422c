-- The channel rules of one staging, one row per rule in order (channel_rules_insert.sql
-- fills it with bound parameters). A NULL pattern matches any value.
CREATE OR REPLACE TEMP TABLE _channel_rules (
    rule_no  INTEGER NOT NULL PRIMARY KEY,
    channel  VARCHAR NOT NULL,
    source   VARCHAR,
    medium   VARCHAR,
    campaign VARCHAR,
    referrer VARCHAR
);

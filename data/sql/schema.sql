-- Touchpath warehouse tables (DESIGN.md, "Tables").
-- Timestamps are UTC, stored as TIMESTAMP without zone; money is DECIMAL(18, 6),
-- exact to a millionth and never rounded on the way in.
-- Uniqueness of event_id / conversion_id is enforced by ingest (an index over
-- hundreds of millions of touchpoints would cost more than it protects).
CREATE TABLE IF NOT EXISTS touchpoints (
    event_id    VARCHAR NOT NULL,
    user_id     VARCHAR NOT NULL,
    ts          TIMESTAMP NOT NULL,
    channel     VARCHAR NOT NULL,
    campaign    VARCHAR,
    interaction VARCHAR NOT NULL DEFAULT 'click',
    cost        DECIMAL(18, 6) CHECK (cost >= 0)
);

CREATE TABLE IF NOT EXISTS conversions (
    conversion_id VARCHAR NOT NULL,
    user_id       VARCHAR NOT NULL,
    ts            TIMESTAMP NOT NULL,
    value         DECIMAL(18, 6) NOT NULL CHECK (value >= 0),
    kind          VARCHAR NOT NULL DEFAULT 'purchase'
);

CREATE TABLE IF NOT EXISTS spend (
    channel VARCHAR NOT NULL,
    day     DATE NOT NULL,
    amount  DECIMAL(18, 6) NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (channel, day)
);

CREATE TABLE IF NOT EXISTS channels (
    channel     VARCHAR PRIMARY KEY,
    status      VARCHAR NOT NULL CHECK (status IN ('established', 'test', 'exited')),
    group_name  VARCHAR,
    launched_on DATE
);

CREATE TABLE IF NOT EXISTS touchpath_meta (
    key   VARCHAR PRIMARY KEY,
    value BIGINT NOT NULL
);

INSERT INTO touchpath_meta
SELECT 'data_version', 0
WHERE NOT EXISTS (SELECT 1 FROM touchpath_meta WHERE key = 'data_version');

-- Earlier versions kept a view _raw over the last ingested file in the warehouse
-- itself; ingest now reads through temporary views only.
DROP VIEW IF EXISTS main._raw;

-- Identity stitching: pairs of ids known to be one person (a login, a CRM
-- match, an order e-mail), stored with id_a <= id_b; and the connected
-- components over them (identity_components.sql), rebuilt by every identities
-- ingest that adds a pair: each id with its component's label (its smallest
-- id) and the component's size. Journeys merge a component's ids into one
-- person unless it has more ids than the cap (JourneyOptions.stitch_max_ids).
CREATE TABLE IF NOT EXISTS identities (
    id_a   VARCHAR NOT NULL,
    id_b   VARCHAR NOT NULL,
    source VARCHAR,
    ts     TIMESTAMP
);

CREATE TABLE IF NOT EXISTS identity_persons (
    user_id   VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    ids       BIGINT NOT NULL
);

-- Segments: attributes of conversions (a conversions file's extra columns) and of
-- users (a users file), in long form: an attribute's name is data, never SQL.
CREATE TABLE IF NOT EXISTS conversion_attributes (
    conversion_id VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    value         VARCHAR NOT NULL,
    PRIMARY KEY (conversion_id, name)
);

CREATE TABLE IF NOT EXISTS user_attributes (
    user_id VARCHAR NOT NULL,
    name    VARCHAR NOT NULL,
    value   VARCHAR NOT NULL,
    PRIMARY KEY (user_id, name)
);

-- Recorded plans (plan, track, re-allocate): the plans and their channel-months.
CREATE TABLE IF NOT EXISTS plans (
    plan_id          INTEGER PRIMARY KEY,
    recorded_at      TIMESTAMP NOT NULL,
    quarter          VARCHAR NOT NULL,
    data_version     BIGINT NOT NULL,
    model            VARCHAR NOT NULL,
    params           VARCHAR NOT NULL,
    budget           DECIMAL(18, 6),
    total_spend      DECIMAL(18, 6) NOT NULL,
    expected_revenue DECIMAL(18, 6) NOT NULL,
    currency         VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS plan_lines (
    plan_id          INTEGER NOT NULL,
    channel          VARCHAR NOT NULL,
    month            VARCHAR NOT NULL,
    spend            DECIMAL(18, 6) NOT NULL CHECK (spend >= 0),
    expected_revenue DECIMAL(18, 6),
    PRIMARY KEY (plan_id, channel, month)
);

-- Experiments (calibration to measured incrementality): one lift test or geo
-- holdout per row, its window [start_day, end_day] inclusive, its estimate of
-- the channel's incremental conversions or revenue (metric) in that window and
-- optionally its interval. Windows of one channel and kind never overlap
-- (ingest refuses them).
CREATE TABLE IF NOT EXISTS experiments (
    channel     VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL DEFAULT 'purchase',
    start_day   DATE NOT NULL,
    end_day     DATE NOT NULL CHECK (end_day >= start_day),
    metric      VARCHAR NOT NULL CHECK (metric IN ('conversions', 'revenue')),
    incremental DOUBLE NOT NULL,
    lower       DOUBLE,
    upper       DOUBLE,
    PRIMARY KEY (channel, kind, start_day)
);

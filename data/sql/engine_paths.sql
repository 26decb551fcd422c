-- The path table of the journeys (DESIGN.md, "Journeys"), written once for every
-- engine: DuckDB dialect, transpiled by sqlglot to Spark SQL (data/engines.py).
-- It keeps to window functions, plain aggregates and one sorted list per journey,
-- so both engines run it as it stands, out of core and partitioned by user.
--
-- Inputs: the views `touchpoints` (event_id, user_id, ts, channel, interaction)
-- and `conversions` (conversion_id, user_id, ts, value, kind). Parameters:
-- $lookback_days, $click_only, $collapse_repeats, $max_path_length (NULL: no
-- limit), $range_start / $range_end (NULL: open), $censor, $kind (the
-- conversion kind that closes journeys; NULL: every kind), and $period (NULL,
-- 'week', 'month' or 'quarter': the output's `period` is the start of the
-- week (Monday) / month / quarter holding the journey's end, else NULL).
-- Identity stitching: the view `identity_persons` (user_id, person_id, ids; the
-- components of data/identities.py, empty without identity pairs) maps an id to
-- its person when its component has at most $stitch_max_ids ids (NULL: no
-- stitching); journeys are then per person, as in journeys.sql.
--
-- The rules are those of journeys.sql:
-- * only conversions of $kind are read (a cart never cuts a purchase path);
--   the end of the data stays the latest ts of every row;
-- * per user, touches and conversions in one order: (ts, touch before
--   conversion, id); a journey is the run of touches up to and including the
--   conversion that closes it, numbered by the conversions before it, so each
--   touch goes to the next conversion at or after it, and of several
--   conversions at one instant the first by conversion_id takes the touches;
-- * a journey ends at its conversion, or (after the user's last conversion) at
--   its last touch; it keeps the touches within $lookback_days before its end;
-- * a trailing non-converting journey still open at the end of the data
--   (last touch + lookback after the latest ts in touchpoints and conversions)
--   is censored (dropped) when $censor, else counted as a null;
-- * journeys ending in [range_start, range_end) are kept; a run of one channel
--   keeps its last touch when $collapse_repeats; the last $max_path_length
--   touches are kept; $click_only keeps the touches whose interaction is
--   'click' (before journeys are formed);
-- * a conversion with no touch left is direct (path NULL); the user's first
--   conversion (by ts, then conversion_id) is a first purchase.
WITH
settings AS (
    SELECT
        greatest(
            (SELECT max(CAST(ts AS TIMESTAMP)) FROM touchpoints),
            (SELECT max(CAST(ts AS TIMESTAMP)) FROM conversions)
        ) AS data_end,
        INTERVAL 1 DAY * CAST($lookback_days AS INTEGER) AS lookback
),
events AS (
    SELECT
        CAST(coalesce(p.person_id, t.user_id) AS VARCHAR) AS user_id,
        CAST(t.ts AS TIMESTAMP) AS ts,
        0 AS kind,
        CAST(t.event_id AS VARCHAR) AS id,
        CAST(t.channel AS VARCHAR) AS channel,
        CAST(NULL AS DECIMAL(18, 6)) AS value
    FROM touchpoints AS t
    LEFT JOIN identity_persons AS p
        ON p.user_id = CAST(t.user_id AS VARCHAR)
        AND p.ids <= CAST($stitch_max_ids AS BIGINT)
    WHERE NOT CAST($click_only AS BOOLEAN) OR t.interaction = 'click'
    UNION ALL
    SELECT
        CAST(coalesce(p.person_id, c.user_id) AS VARCHAR) AS user_id,
        CAST(c.ts AS TIMESTAMP) AS ts,
        1 AS kind,
        CAST(c.conversion_id AS VARCHAR) AS id,
        CAST(NULL AS VARCHAR) AS channel,
        CAST(c.value AS DECIMAL(18, 6)) AS value
    FROM conversions AS c
    LEFT JOIN identity_persons AS p
        ON p.user_id = CAST(c.user_id AS VARCHAR)
        AND p.ids <= CAST($stitch_max_ids AS BIGINT)
    WHERE CAST($kind AS VARCHAR) IS NULL OR CAST(c.kind AS VARCHAR) = CAST($kind AS VARCHAR)
),
numbered AS (
    -- journey k of a user: the rows after its k-th conversion, up to its (k+1)-th
    SELECT
        *,
        sum(kind) OVER (
            PARTITION BY user_id ORDER BY ts, kind, id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) - kind AS journey
    FROM events
),
framed AS (
    -- the journey's end (its conversion is its last row), whether it converts,
    -- and the channel of the next row (the next touch, else NULL)
    SELECT
        *,
        max(ts) OVER (
            PARTITION BY user_id, journey ORDER BY ts, kind, id
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) AS end_ts,
        max(kind) OVER (
            PARTITION BY user_id, journey ORDER BY ts, kind, id
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) AS converted,
        lead(channel) OVER (
            PARTITION BY user_id, journey ORDER BY ts, kind, id
        ) AS next_channel
    FROM numbered
),
windowed AS (
    -- the lookback drops the oldest touches of a journey (a prefix), so the next
    -- touch of a kept touch is kept too and the collapse can be decided before it
    SELECT
        f.*,
        CASE
            WHEN f.kind = 0 AND (
                NOT CAST($collapse_repeats AS BOOLEAN)
                OR f.next_channel IS NULL
                OR f.next_channel <> f.channel
            ) THEN 1
            ELSE 0
        END AS survives
    FROM framed AS f
    CROSS JOIN settings AS s
    WHERE (f.kind = 1 OR f.ts >= f.end_ts - s.lookback)
      AND (
          f.converted = 1
          OR NOT CAST($censor AS BOOLEAN)
          OR f.end_ts + s.lookback <= s.data_end
      )
      AND (CAST($range_start AS TIMESTAMP) IS NULL OR f.end_ts >= CAST($range_start AS TIMESTAMP))
      AND (CAST($range_end AS TIMESTAMP) IS NULL OR f.end_ts < CAST($range_end AS TIMESTAMP))
),
positioned AS (
    -- from_end: surviving touches at or after this one (1 = the journey's last)
    SELECT
        *,
        sum(survives) OVER (
            PARTITION BY user_id, journey ORDER BY ts, kind, id
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) - sum(survives) OVER (
            PARTITION BY user_id, journey ORDER BY ts, kind, id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) + survives AS from_end
    FROM windowed
),
kept AS (
    SELECT
        *,
        CASE
            WHEN survives = 1 AND (
                CAST($max_path_length AS INTEGER) IS NULL
                OR from_end <= CAST($max_path_length AS INTEGER)
            ) THEN 1
            ELSE 0
        END AS in_path
    FROM positioned
),
journeys AS (
    SELECT
        max(end_ts) AS end_ts,
        max(converted) AS converted,
        sum(value) AS value,
        max(CASE WHEN kind = 1 AND journey = 0 THEN 1 ELSE 0 END) AS first_purchase,
        CASE
            WHEN sum(in_path) = 0 THEN NULL
            ELSE list_transform(
                list_sort(list({'ts': ts, 'id': id, 'channel': channel}) FILTER (WHERE in_path = 1)),
                lambda t: t.channel
            )
        END AS path
    FROM kept
    GROUP BY user_id, journey
),
periods AS (
    SELECT
        *,
        CASE CAST($period AS VARCHAR)
            WHEN 'week' THEN date_trunc('week', end_ts)
            WHEN 'month' THEN date_trunc('month', end_ts)
            WHEN 'quarter' THEN date_trunc('quarter', end_ts)
        END AS period
    FROM journeys
)
SELECT
    period,
    path,
    count(*) FILTER (WHERE converted = 1) AS conversions,
    CAST(coalesce(sum(value), 0) AS DECIMAL(38, 6)) AS value,
    count(*) FILTER (WHERE converted = 0) AS nulls,
    count(*) FILTER (WHERE converted = 1 AND first_purchase = 1) AS first_conversions
FROM periods
GROUP BY period, path
ORDER BY period, path

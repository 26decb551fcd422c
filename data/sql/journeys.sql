-- Journeys (DESIGN.md, "Journeys"), one row per journey, as the table macro
-- tp_journeys(lookback_days, click_only, collapse_repeats, max_path_length,
--             range_start, range_end, censor, conversion_kind
--             [, with_campaign := false]), and the data's
-- span as the scalar macros tp_data_start() and tp_data_end().
--
-- with_campaign carries each touch's campaign in its struct (the campaign
-- level, DESIGN.md "Journeys"); off, the field is NULL. Repeats still collapse
-- by channel (the run's last touch, whose campaign labels it) and the length
-- cap counts the same touches, so a campaign-level journey is the channel-level
-- journey with each touch labelled by its campaign.
--
-- Only conversions of conversion_kind (conversions.kind, e.g. 'purchase') close
-- journeys; NULL: conversions of every kind, one pool. A conversion of another
-- kind (an add-to-cart) is not seen at all, so it never cuts a purchase path.
-- The data's span stays that of every row, whatever the kind.
--
-- Per user, in time order, a conversion closes a journey made of the user's
-- touches since the previous conversion and within the lookback window
-- (conversion_ts - lookback <= touch ts <= conversion_ts; a touch at the same
-- timestamp as a conversion counts before it). Several conversions at the same
-- timestamp: the first by conversion_id takes the touches, the others have none.
-- Touches after a user's last conversion form one non-converting journey: those
-- within the lookback window before its last touch. With censor it is censored
-- (left out) while still open: when last touch + lookback reaches past the end
-- of the data (tp_data_end(): the latest timestamp in touchpoints and
-- conversions), a conversion could still claim it. Without censor every such
-- journey is kept (ChannelAttribution's convention). A conversion with no touch in its window is a direct
-- conversion: converted with an empty touch list. Touches older than the window
-- of the conversion that follows them belong to no journey.
--
-- Columns: user_id (the person when stitched), conversion_id (NULL when not
-- converted), converted, end_ts (conversion time, or last touch time when not converted), value,
-- first_purchase (the user's first conversion of the kind in the data), touches
-- (list of {ts, event_id, channel, campaign} in time order; ties between
-- touches by event_id).
CREATE OR REPLACE TEMP MACRO tp_data_end() AS
    greatest((SELECT max(ts) FROM touchpoints), (SELECT max(ts) FROM conversions));

CREATE OR REPLACE TEMP MACRO tp_data_start() AS
    least((SELECT min(ts) FROM touchpoints), (SELECT min(ts) FROM conversions));

-- Identity stitching: tp_person_map() maps an id to its person -- its
-- component's label in identity_persons -- when the component has at most
-- tp_stitch_max_ids ids (identity_settings.sql; NULL: no stitching); an id
-- not mapped is its own person. Journeys are cut per person: user_id below.
CREATE OR REPLACE TEMP MACRO tp_person_map() AS TABLE
    SELECT user_id, person_id
    FROM identity_persons
    WHERE ids <= getvariable('tp_stitch_max_ids');

CREATE OR REPLACE TEMP MACRO tp_journeys(
    lookback_days, click_only, collapse_repeats, max_path_length, range_start, range_end,
    censor, conversion_kind, with_campaign := false
) AS TABLE
WITH
settings AS (
    SELECT
        to_days(CAST(lookback_days AS INTEGER)) AS lookback,
        tp_data_end() AS data_end
),
ordered_conversions AS (
    SELECT
        conversion_id,
        coalesce(m.person_id, conversions.user_id) AS user_id,
        ts,
        value,
        row_number() OVER (PARTITION BY coalesce(m.person_id, conversions.user_id)
                           ORDER BY ts, conversion_id) = 1 AS first_purchase,
        row_number() OVER (PARTITION BY coalesce(m.person_id, conversions.user_id), ts
                           ORDER BY conversion_id) = 1 AS takes_touches
    FROM conversions
    LEFT JOIN tp_person_map() AS m ON m.user_id = conversions.user_id
    WHERE conversion_kind IS NULL OR kind = conversion_kind
),
kept_touches AS (
    SELECT event_id, coalesce(m.person_id, touchpoints.user_id) AS user_id, ts, channel,
           CASE WHEN with_campaign THEN campaign END AS campaign
    FROM touchpoints
    LEFT JOIN tp_person_map() AS m ON m.user_id = touchpoints.user_id
    WHERE NOT click_only OR interaction = 'click'
),
assigned_touches AS (
    -- each touch goes to the user's next conversion at or after its timestamp
    SELECT t.event_id, t.user_id, t.ts, t.channel, t.campaign, c.conversion_id,
           c.ts AS conversion_ts
    FROM kept_touches AS t
    ASOF LEFT JOIN (SELECT * FROM ordered_conversions WHERE takes_touches) AS c
        ON t.user_id = c.user_id AND t.ts <= c.ts
),
converting_lists AS (
    -- list_sort orders each list by ts, then event_id (the struct's field order)
    SELECT
        a.conversion_id,
        list_sort(list({'ts': a.ts, 'event_id': a.event_id, 'channel': a.channel,
                        'campaign': a.campaign}))
            AS touches
    FROM assigned_touches AS a, settings AS s
    WHERE a.conversion_id IS NOT NULL AND a.ts >= a.conversion_ts - s.lookback
    GROUP BY a.conversion_id
),
trailing_lists AS (
    SELECT
        a.user_id,
        max(a.ts) AS last_ts,
        list_sort(list({'ts': a.ts, 'event_id': a.event_id, 'channel': a.channel,
                        'campaign': a.campaign}))
            AS touches
    FROM assigned_touches AS a
    WHERE a.conversion_id IS NULL
    GROUP BY a.user_id
),
converting AS (
    SELECT
        c.user_id,
        c.conversion_id,
        TRUE AS converted,
        c.ts AS end_ts,
        c.value,
        c.first_purchase,
        coalesce(l.touches, []) AS touches
    FROM ordered_conversions AS c
    LEFT JOIN converting_lists AS l ON l.conversion_id = c.conversion_id
),
non_converting AS (
    SELECT
        l.user_id,
        CAST(NULL AS VARCHAR) AS conversion_id,
        FALSE AS converted,
        l.last_ts AS end_ts,
        CAST(NULL AS DECIMAL(18, 6)) AS value,
        FALSE AS first_purchase,
        list_filter(l.touches, lambda t: t.ts >= l.last_ts - s.lookback) AS touches
    FROM trailing_lists AS l, settings AS s
    WHERE NOT censor OR l.last_ts + s.lookback <= s.data_end
),
all_journeys AS (
    SELECT * FROM converting
    UNION ALL
    SELECT * FROM non_converting
),
in_range AS (
    SELECT *
    FROM all_journeys
    WHERE (range_start IS NULL OR end_ts >= range_start)
      AND (range_end IS NULL OR end_ts < range_end)
),
collapsed AS (
    -- a run of the same channel keeps its last touch (the one nearest the end)
    SELECT * REPLACE (
        CASE
            WHEN collapse_repeats THEN list_filter(
                touches, lambda t, i: i = len(touches) OR touches[i + 1].channel <> t.channel
            )
            ELSE touches
        END AS touches
    )
    FROM in_range
)
SELECT * REPLACE (
    CASE
        WHEN max_path_length IS NULL OR len(touches) <= max_path_length THEN touches
        ELSE list_slice(touches, len(touches) - max_path_length + 1, len(touches))
    END AS touches
)
FROM collapsed;

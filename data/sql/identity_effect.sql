-- What stitching changed (run with stitching on, after identity_effect_before.sql):
-- journeys, converting journeys with touches, (direct) conversions, conversions
-- that were (direct) per id and have touches per person, mean distinct channels
-- per converting journey (a direct one counts 0), conversions. Needs the
-- tp_journeys macro (journeys.sql).
WITH
after AS (
    SELECT
        conversion_id,
        converted,
        len(touches) AS touches,
        len(list_distinct(list_transform(touches, lambda t: t.channel))) AS channels
    FROM tp_journeys(
        $lookback_days, $click_only, $collapse_repeats, $max_path_length,
        $range_start, $range_end, $censor, $kind
    )
),
before AS (
    SELECT * FROM identity_journeys_before
)
SELECT
    (SELECT count(*) FROM before) AS journeys_before,
    (SELECT count(*) FROM after) AS journeys_after,
    (SELECT count(*) FROM before WHERE converted AND touches > 0) AS converting_before,
    (SELECT count(*) FROM after WHERE converted AND touches > 0) AS converting_after,
    (SELECT count(*) FROM before WHERE converted AND touches = 0) AS direct_before,
    (SELECT count(*) FROM after WHERE converted AND touches = 0) AS direct_after,
    (
        SELECT count(*)
        FROM before AS b
        JOIN after AS a ON a.conversion_id = b.conversion_id
        WHERE b.converted AND b.touches = 0 AND a.touches > 0
    ) AS direct_now_touched,
    (SELECT avg(channels) FROM before WHERE converted) AS channels_before,
    (SELECT avg(channels) FROM after WHERE converted) AS channels_after,
    (SELECT count(*) FROM after WHERE converted) AS conversions;

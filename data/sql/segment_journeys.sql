-- The segment of each journey, as the table macro
-- tp_segment_journeys(<tp_journeys arguments>, attribute, use_conversion, use_user,
--                     no_value): the tp_journeys columns (journeys.sql) plus segment.
-- A journey's segment is the attribute's value on its conversion
-- (conversion_attributes, when use_conversion) or else on its user
-- (user_attributes, when use_user); no_value (e.g. '(none)') when it has
-- neither. A non-converting journey has no conversion: it belongs to a segment
-- only through a user attribute. The attribute's name is a parameter, never SQL.
-- With identity stitching a journey's user_id is its person (tp_person_map):
-- a person's user attribute is the value of its smallest id that has one.
-- Needs the tp_journeys and tp_person_map macros (journeys.sql).
CREATE OR REPLACE TEMP MACRO tp_segment_journeys(
    lookback_days, click_only, collapse_repeats, max_path_length, range_start, range_end,
    censor, conversion_kind, attribute, use_conversion, use_user, no_value
) AS TABLE
WITH person_attributes AS (
    SELECT
        coalesce(m.person_id, ua.user_id) AS user_id,
        arg_min(ua.value, ua.user_id) AS value
    FROM user_attributes AS ua
    LEFT JOIN tp_person_map() AS m ON m.user_id = ua.user_id
    WHERE use_user AND ua.name = attribute
    GROUP BY 1
)
SELECT
    j.*,
    coalesce(ca.value, ua.value, no_value) AS segment
FROM tp_journeys(
    lookback_days, click_only, collapse_repeats, max_path_length, range_start, range_end,
    censor, conversion_kind
) AS j
LEFT JOIN conversion_attributes AS ca
    ON use_conversion AND ca.conversion_id = j.conversion_id AND ca.name = attribute
LEFT JOIN person_attributes AS ua ON ua.user_id = j.user_id;

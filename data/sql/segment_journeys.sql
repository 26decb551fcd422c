-- The segment of each journey, as the table macro
-- tp_segment_journeys(<tp_journeys arguments>, attribute, use_conversion, use_user,
--                     no_value): the tp_journeys columns (journeys.sql) plus segment.
-- A journey's segment is the attribute's value on its conversion
-- (conversion_attributes, when use_conversion) or else on its user
-- (user_attributes, when use_user); no_value (e.g. '(none)') when it has
-- neither. A non-converting journey has no conversion: it belongs to a segment
-- only through a user attribute. The attribute's name is a parameter, never SQL.
-- Needs the tp_journeys macro (journeys.sql).
CREATE OR REPLACE TEMP MACRO tp_segment_journeys(
    lookback_days, click_only, collapse_repeats, max_path_length, range_start, range_end,
    censor, conversion_kind, attribute, use_conversion, use_user, no_value
) AS TABLE
SELECT
    j.*,
    coalesce(ca.value, ua.value, no_value) AS segment
FROM tp_journeys(
    lookback_days, click_only, collapse_repeats, max_path_length, range_start, range_end,
    censor, conversion_kind
) AS j
LEFT JOIN conversion_attributes AS ca
    ON use_conversion AND ca.conversion_id = j.conversion_id AND ca.name = attribute
LEFT JOIN user_attributes AS ua
    ON use_user AND ua.user_id = j.user_id AND ua.name = attribute;

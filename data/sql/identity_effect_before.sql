-- The journeys per id (run with stitching off), one row each, kept for
-- identity_effect.sql: conversion (NULL: not converted), touches and distinct
-- channels. Needs the tp_journeys macro (journeys.sql).
CREATE OR REPLACE TEMP TABLE identity_journeys_before AS
SELECT
    conversion_id,
    converted,
    len(touches) AS touches,
    len(list_distinct(list_transform(touches, lambda t: t.channel))) AS channels
FROM tp_journeys(
    $lookback_days, $click_only, $collapse_repeats, $max_path_length,
    $range_start, $range_end, $censor, $kind
);

-- The distinct traffic sources of _channel_inputs(source, medium, campaign, referrer),
-- NULLs grouped together, with how many input rows each has. rule_no, the first
-- matching rule, is filled by channel_rule_apply.sql, one rule at a time.
CREATE OR REPLACE TEMP TABLE _channel_combos AS
SELECT
    source::VARCHAR   AS source,
    medium::VARCHAR   AS medium,
    campaign::VARCHAR AS campaign,
    referrer::VARCHAR AS referrer,
    count(*)          AS n_rows,
    NULL::INTEGER     AS rule_no
FROM _channel_inputs
GROUP BY ALL;

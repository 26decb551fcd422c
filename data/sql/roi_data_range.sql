-- First and last day with a conversion or spend: the default ROI range.
WITH days AS (
    SELECT CAST(ts AS DATE) AS day FROM conversions
    UNION ALL
    SELECT day FROM spend
)
SELECT min(day) AS first_day, max(day) AS last_day FROM days

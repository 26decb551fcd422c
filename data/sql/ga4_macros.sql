-- Helpers for reading GA4 export records field by field.

-- One record of the export (a JSON value) as (is_object, not_object: the
-- start of a record that is not an object, e: the fields read, below). Every
-- field is read as text whatever its JSON type (INT64 written as a string or a
-- number alike); a field of another shape reads as NULL; fields not named here
-- are ignored.
CREATE OR REPLACE TEMP MACRO tp_ga4_record(j) AS {
    'is_object': json_type(j) = 'OBJECT',
    'not_object': CASE WHEN json_type(j) <> 'OBJECT' THEN left(CAST(j AS VARCHAR), 40) END,
    'e': CASE WHEN json_type(j) = 'OBJECT' THEN from_json(j, '{
        "user_pseudo_id": "VARCHAR",
        "event_timestamp": "VARCHAR",
        "event_name": "VARCHAR",
        "event_params": [{"key": "VARCHAR", "value": {"string_value": "VARCHAR",
            "int_value": "VARCHAR", "float_value": "VARCHAR", "double_value": "VARCHAR"}}],
        "collected_traffic_source": {"manual_source": "VARCHAR", "manual_medium": "VARCHAR",
            "manual_campaign_name": "VARCHAR", "gclid": "VARCHAR"},
        "ecommerce": {"transaction_id": "VARCHAR", "purchase_revenue": "VARCHAR"}
    }') END
};

-- Text with surrounding blanks removed; blank becomes NULL.
CREATE OR REPLACE TEMP MACRO tp_ga4_text(t) AS nullif(trim(t), '');

-- The value of the event parameter named k as text (event_params is a
-- repeated record of key + value{string_value, int_value, float_value,
-- double_value}): whichever of the typed values is set; NULL when the
-- parameter is absent. The first parameter of that name counts.
CREATE OR REPLACE TEMP MACRO tp_ga4_value(v) AS
    coalesce(tp_ga4_text(v.string_value), tp_ga4_text(v.int_value),
             tp_ga4_text(v.double_value), tp_ga4_text(v.float_value));

CREATE OR REPLACE TEMP MACRO tp_ga4_param(params, k) AS
    tp_ga4_value(list_filter(params, lambda p: p.key = k)[1].value);

-- An INT64 written as text or as a JSON number, as BIGINT; NULL unless it is
-- a whole number (a number in exponent or decimal form counts when whole and
-- exactly representable).
CREATE OR REPLACE TEMP MACRO tp_ga4_int(t) AS
    CASE
        WHEN regexp_full_match(t, '-?[0-9]{1,18}') THEN CAST(t AS BIGINT)
        WHEN TRY_CAST(t AS DOUBLE) = floor(TRY_CAST(t AS DOUBLE))
            AND abs(TRY_CAST(t AS DOUBLE)) < 9007199254740992
            THEN CAST(TRY_CAST(t AS DOUBLE) AS BIGINT)
    END;

-- GA4's placeholder for a value that was not collected.
CREATE OR REPLACE TEMP MACRO tp_ga4_set(t) AS
    CASE WHEN t <> '(not set)' THEN t END;

-- Why a revenue is refused (NULL when it is fine): a number, never negative,
-- at most 12 digits before the decimal point once rounded to the millionth.
-- More than 6 decimal places are no reason: GA4 keeps purchase_revenue as
-- FLOAT64, so an export holds binary-float artifacts such as 29.990000000000002
-- (for 29.99); tp_ga4_decimal rounds them and tp_ga4_rounded counts them.
CREATE OR REPLACE TEMP MACRO tp_ga4_money_problem(t) AS
    CASE
        WHEN t IS NULL THEN NULL
        WHEN TRY_CAST(t AS DOUBLE) IS NULL THEN 'not a number'
        WHEN NOT isfinite(TRY_CAST(t AS DOUBLE)) THEN 'not a finite number'
        WHEN TRY_CAST(t AS DOUBLE) < 0 THEN 'negative revenue'
        WHEN TRY_CAST(t AS DECIMAL(38, 18)) IS NULL
            OR TRY_CAST(t AS DECIMAL(38, 18)) >= 1000000000000
            OR TRY_CAST(t AS DECIMAL(18, 6)) IS NULL
            THEN 'too large (at most 12 digits before the decimal point)'
    END;

-- Whether a revenue (with no problem) has more than 6 decimal places, trailing
-- zeros not counted: a binary-float artifact that tp_ga4_decimal rounds.
CREATE OR REPLACE TEMP MACRO tp_ga4_rounded(t) AS
    coalesce(TRY_CAST(t AS DECIMAL(38, 18)) <> TRY_CAST(t AS DECIMAL(18, 6)), false);

-- A revenue that has no problem as plain decimal text, to the millionth: no
-- exponent, no trailing zeros after the point (45.0 -> 45, 1.5e2 -> 150). More
-- decimal places are rounded half-up on the exported text, as DuckDB's cast
-- to DECIMAL does (29.990000000000002 -> 29.99, 1.0000005 -> 1.000001).
CREATE OR REPLACE TEMP MACRO tp_ga4_decimal(t) AS
    regexp_replace(regexp_replace(CAST(CAST(t AS DECIMAL(18, 6)) AS VARCHAR),
                                  '(\.[0-9]*[1-9])0+$', '\1'), '\.0+$', '');

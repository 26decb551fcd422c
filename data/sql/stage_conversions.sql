-- The view _parsed: the conversion rows of _source parsed to warehouse types,
-- with the list of problems of each bad row (NULL for good rows). A timestamp
-- must lie in the ingest's time window (see ingest_macros.sql). A file without
-- conversion_id (tp_shape.derive_ids) gets the content key of each row
-- (tp_row_key), completed into its id by derive_ids_conversions.sql. _attrs:
-- the row's attribute values (trimmed, blank as NULL), named by tp_attrs.
CREATE OR REPLACE TEMP VIEW _parsed AS
WITH
parsed AS (
    SELECT
        tp_text(conversion_id) AS p_conversion_id,
        tp_text(user_id) AS p_user_id,
        coalesce(ts_native, tp_utc(ts)) AS p_ts,
        tp_money(value) AS p_value,
        coalesce(tp_text(kind), 'purchase') AS p_kind,
        list_transform(_attrs, lambda v: tp_text(v)) AS p_attrs,
        conversion_id, user_id, ts, ts_native, value
    FROM _source
),
checked AS (
    SELECT
        *,
        CASE
            WHEN p_conversion_id IS NULL AND NOT getvariable('tp_shape').derive_ids
                THEN 'empty conversion_id'
        END AS conversion_id_problem,
        CASE WHEN p_user_id IS NULL THEN 'empty user_id' END AS user_id_problem,
        CASE
            WHEN tp_in_window(p_ts) THEN NULL
            WHEN p_ts IS NOT NULL
                THEN tp_outside('timestamp', coalesce(ts, CAST(ts_native AS VARCHAR)))
            WHEN tp_text(ts) IS NULL THEN 'missing timestamp'
            ELSE 'unparseable timestamp (expected ISO 8601)'
        END AS ts_problem,
        CASE
            WHEN tp_text(value) IS NULL THEN 'missing value'
            ELSE tp_money_problem(value)
        END AS value_problem
    FROM parsed
)
SELECT
    CASE
        WHEN getvariable('tp_shape').derive_ids
            THEN tp_row_key(['conversion', p_user_id, tp_ts_text(p_ts),
                             CAST(p_value AS VARCHAR), p_kind])
        ELSE p_conversion_id
    END AS conversion_id,
    p_user_id AS user_id,
    p_ts AS ts,
    p_value AS value,
    p_kind AS kind,
    p_attrs AS _attrs,
    CASE
        WHEN conversion_id_problem IS NOT NULL OR user_id_problem IS NOT NULL
            OR ts_problem IS NOT NULL OR value_problem IS NOT NULL
        THEN list_filter(
            [
                tp_problem('conversion_id', conversion_id_problem, conversion_id),
                tp_problem('user_id', user_id_problem, user_id),
                tp_problem('ts', ts_problem, coalesce(ts, CAST(ts_native AS VARCHAR))),
                tp_problem('value', value_problem, value)
            ],
            lambda p: p IS NOT NULL
        )
    END AS _problems
FROM checked;

-- The view _parsed: the identity pairs of _source (two ids of one person, an
-- optional source such as 'login' or 'crm' and an optional timestamp) parsed,
-- with the list of problems of each bad row. A pair is stored in order
-- (id_a <= id_b), so (a, b) and (b, a) are the same pair. A self-pair (the
-- same id twice) is kept and counted by touchpath identities, not refused.
CREATE OR REPLACE TEMP VIEW _parsed AS
WITH
parsed AS (
    SELECT
        tp_text(id_a) AS p_id_a,
        tp_text(id_b) AS p_id_b,
        tp_text(source) AS p_source,
        coalesce(ts_native, tp_utc(ts)) AS p_ts,
        id_a, id_b, ts, ts_native
    FROM _source
),
checked AS (
    SELECT
        *,
        CASE WHEN p_id_a IS NULL THEN 'empty id_a' END AS id_a_problem,
        CASE WHEN p_id_b IS NULL THEN 'empty id_b' END AS id_b_problem,
        CASE
            WHEN tp_text(ts) IS NULL AND ts_native IS NULL THEN NULL
            WHEN tp_in_window(p_ts) THEN NULL
            WHEN p_ts IS NOT NULL
                THEN tp_outside('timestamp', coalesce(ts, CAST(ts_native AS VARCHAR)))
            ELSE 'unparseable timestamp (expected ISO 8601)'
        END AS ts_problem
    FROM parsed
)
SELECT
    least(p_id_a, p_id_b) AS id_a,
    greatest(p_id_a, p_id_b) AS id_b,
    p_source AS source,
    p_ts AS ts,
    CASE
        WHEN id_a_problem IS NOT NULL OR id_b_problem IS NOT NULL OR ts_problem IS NOT NULL
        THEN list_filter(
            [
                tp_problem('id_a', id_a_problem, id_a),
                tp_problem('id_b', id_b_problem, id_b),
                tp_problem('ts', ts_problem, coalesce(ts, CAST(ts_native AS VARCHAR)))
            ],
            lambda p: p IS NOT NULL
        )
    END AS _problems
FROM checked;

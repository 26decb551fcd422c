-- The view _parsed: the rows of a users file, user_id and the list of its
-- attribute values (_attrs, trimmed, blank as NULL: no value), with the list of
-- problems of each bad row (NULL for good rows).
CREATE OR REPLACE TEMP VIEW _parsed AS
SELECT
    tp_text(user_id) AS user_id,
    list_transform(_attrs, lambda v: tp_text(v)) AS _attrs,
    CASE
        WHEN tp_text(user_id) IS NULL THEN [tp_problem('user_id', 'empty user_id', user_id)]
    END AS _problems
FROM _source;

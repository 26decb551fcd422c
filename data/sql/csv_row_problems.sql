-- The CSV records that did not fit the header, one problem per record and
-- kind, in plain words: the first $max_problems in file order, with the total.
-- line counts records from 1 with the header as line 1 (a quoted field that
-- spans lines is one record), so line - 1 is the data record number.
-- A record with too few fields is reported at each missing column and one with
-- too many at each extra field: the first missing (0-based) or the last extra
-- column index is the number of fields the record has. $n_columns is the
-- number of columns in the header.
WITH
records AS (
    SELECT
        line - 1 AS row,
        error_type,
        min(column_idx) AS first_column,
        max(column_idx) AS last_column,
        min(column_name) AS column_name,
        min(csv_line) AS csv_line,
        min(error_message) AS error_message
    FROM temp._csv_rejects
    GROUP BY line, error_type
)
SELECT
    row,
    CASE WHEN error_type = 'INVALID ENCODING' THEN coalesce(column_name, '') ELSE '' END
        AS "column",
    CASE error_type
        WHEN 'MISSING COLUMNS'
            THEN 'has ' || first_column || ' fields, the header has ' || $n_columns
        WHEN 'TOO MANY COLUMNS'
            THEN 'has ' || last_column || ' fields, the header has ' || $n_columns
        WHEN 'INVALID ENCODING'
            THEN 'not UTF-8 text (invalid byte sequence); save the file as UTF-8'
        WHEN 'UNQUOTED VALUE'
            THEN 'text after the closing quote of a quoted field'
        WHEN 'MISSING QUOTES'
            THEN 'a quoted field is never closed (missing closing quote)'
        WHEN 'LINE SIZE OVER MAXIMUM'
            THEN 'the record is longer than the longest line that can be read'
        ELSE lower(error_type) || ': ' || error_message
    END AS reason,
    left(trim(csv_line, chr(13) || chr(10)), 200) AS value,
    count(*) OVER () AS total
FROM records
ORDER BY row, "column", reason
LIMIT $max_problems;

-- Compile one channel-rule pattern ($1) with DuckDB's regular-expression engine
-- (RE2), as channel_map.sql uses it: raises when RE2 refuses the pattern.
SELECT regexp_full_match('', $1, 'i');

-- The settings of one ingest, kept in the session variable tp_ingest for the
-- staging queries (views cannot hold parameters): the source file ($path, NULL
-- for a DataFrame), the accepted time window [$window_start, $window_end) as
-- dates and as UTC timestamps, and the path separator ($path_sep, split on
-- $sep_mark when paths are read back), which no channel name may contain.
SET VARIABLE tp_ingest = {
    'path': CAST($path AS VARCHAR),
    'day_from': CAST($window_start AS DATE),
    'day_to': CAST($window_end AS DATE),
    'ts_from': CAST(CAST($window_start AS DATE) AS TIMESTAMP),
    'ts_to': CAST(CAST($window_end AS DATE) AS TIMESTAMP),
    'window': strftime(CAST($window_start AS DATE), '%Y-%m-%d') || ' .. '
        || strftime(CAST($window_end AS DATE), '%Y-%m-%d'),
    'sep': CAST($path_sep AS VARCHAR),
    'sep_mark': CAST($sep_mark AS VARCHAR)
};

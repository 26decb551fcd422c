-- Whether the warehouse has the recorded plans' tables (a warehouse opened read-only
-- that never recorded a plan may predate them).
SELECT count(*) = 2 FROM duckdb_tables() WHERE table_name IN ('plans', 'plan_lines')

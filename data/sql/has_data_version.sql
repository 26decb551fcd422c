-- Whether the connection has the warehouse's touchpath_meta table, which holds
-- the data version (a bare connection with only a channels table has none).
SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = 'touchpath_meta'

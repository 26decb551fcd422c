-- Whether the warehouse has the experiments table (a warehouse opened read-only
-- that was made before experiments existed has not).
SELECT count(*) FROM information_schema.tables WHERE table_name = 'experiments';

-- The stitching of the journeys on this connection, in the session variable
-- tp_stitch_max_ids read by journeys.sql: the largest component (in ids) whose
-- ids are merged into one person, or NULL for no stitching (--no-stitch).
SET VARIABLE tp_stitch_max_ids = CASE WHEN $stitch THEN CAST($max_ids AS BIGINT) END;

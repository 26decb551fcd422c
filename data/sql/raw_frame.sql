-- The view _raw over the DataFrame of this ingest, registered as _raw_frame.
CREATE OR REPLACE TEMP VIEW _raw AS
SELECT * FROM _raw_frame;

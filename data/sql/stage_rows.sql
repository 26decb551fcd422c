-- The parsed rows materialised in file order, to name bad rows: rowid + 1 is
-- the data record number (header not counted), kept as _row. Run with
-- insertion order kept. _parsed then reads these rows, so that _staged (ids
-- derived or not) carries _row.
CREATE OR REPLACE TEMP TABLE _stage_rows AS
SELECT * FROM _parsed;
CREATE OR REPLACE TEMP VIEW _parsed AS
SELECT rowid + 1 AS _row, * FROM _stage_rows;

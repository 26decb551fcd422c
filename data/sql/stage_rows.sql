-- The staged rows materialised in file order, to name bad rows: rowid + 1 is
-- the data record number (header not counted). Run with insertion order kept.
CREATE OR REPLACE TEMP TABLE _stage AS
SELECT * FROM _staged;

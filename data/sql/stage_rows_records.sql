-- For an events file: _row is the source's own record number where it has one
-- (_record: a GA4 export's ga_row, the event a row comes from), else the data
-- record number. Run after stage_rows.sql.
CREATE OR REPLACE TEMP VIEW _parsed AS
SELECT * REPLACE (coalesce(_record, _row) AS _row)
FROM (SELECT rowid + 1 AS _row, * FROM _stage_rows);

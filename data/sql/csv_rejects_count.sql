-- How many CSV records did not fit the header in the scans of this ingest so far.
SELECT count(DISTINCT line) FROM temp._csv_rejects;

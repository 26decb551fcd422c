-- The view _staged when the file has its ids: the parsed rows as they are.
CREATE OR REPLACE TEMP VIEW _staged AS
SELECT * FROM _parsed;

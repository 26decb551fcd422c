-- Parsing and checking helpers shared by the stage_*.sql queries of ingest.
-- Input columns arrive as text (CSV is read with every column as VARCHAR;
-- Parquet and DataFrame columns are cast to VARCHAR), except timestamps that
-- are already typed in the source: those arrive in <column>_native as UTC
-- TIMESTAMP (the text column is then NULL). The common case of each check is
-- decided by cheap tests first; the full diagnosis runs only for bad rows.

-- Text with surrounding blanks removed; blank becomes NULL.
CREATE OR REPLACE TEMP MACRO tp_text(x) AS
    CASE
        WHEN starts_with(x, ' ') OR ends_with(x, ' ') THEN nullif(trim(x), '')
        ELSE nullif(x, '')
    END;

-- ISO 8601 text, with or without offset, as a UTC TIMESTAMP (no offset = UTC).
-- epoch_us of a TIMESTAMPTZ is UTC microseconds whatever the session zone.
CREATE OR REPLACE TEMP MACRO tp_utc(x) AS
    make_timestamp(epoch_us(TRY_CAST(tp_text(x) AS TIMESTAMPTZ)));

-- A calendar date: YYYY-MM-DD, or a timestamp exactly at midnight.
CREATE OR REPLACE TEMP MACRO tp_day(x) AS
    CASE
        WHEN TRY_CAST(tp_text(x) AS TIMESTAMP) = TRY_CAST(tp_text(x) AS DATE)
            THEN TRY_CAST(tp_text(x) AS DATE)
    END;

-- Money, exact to 6 decimal places.
CREATE OR REPLACE TEMP MACRO tp_money(x) AS TRY_CAST(tp_text(x) AS DECIMAL(18, 6));

-- Why a non-blank money cell is refused (NULL when it is fine). Fast accept:
-- parses, not negative, at most 6 digits after the point, no exponent.
CREATE OR REPLACE TEMP MACRO tp_money_problem(x) AS
    CASE
        WHEN x IS NULL THEN NULL
        WHEN TRY_CAST(x AS DECIMAL(18, 6)) >= 0
            AND (strpos(x, '.') = 0 OR length(x) - strpos(x, '.') <= 6)
            AND strpos(x, 'e') = 0 AND strpos(x, 'E') = 0
            THEN NULL
        WHEN tp_text(x) IS NULL THEN NULL
        WHEN TRY_CAST(tp_text(x) AS DOUBLE) IS NULL THEN 'not a number'
        WHEN NOT isfinite(TRY_CAST(tp_text(x) AS DOUBLE)) THEN 'not a finite number'
        WHEN TRY_CAST(tp_text(x) AS DOUBLE) < 0 THEN 'negative money'
        WHEN TRY_CAST(tp_text(x) AS DECIMAL(38, 18)) IS NULL OR tp_money(x) IS NULL
            THEN 'too large (at most 12 digits before the decimal point)'
        WHEN TRY_CAST(tp_text(x) AS DECIMAL(38, 18)) <> tp_money(x)
            THEN 'more than 6 decimal places (money is stored exactly, never rounded)'
    END;

-- One entry of a row's problem list.
CREATE OR REPLACE TEMP MACRO tp_problem(col, reason, raw) AS
    CASE
        WHEN reason IS NOT NULL
            THEN {'column': col, 'reason': reason, 'value': CAST(raw AS VARCHAR)}
    END;

-- Parsing and checking helpers shared by the stage_*.sql queries of ingest.
-- Input columns arrive as text (CSV is read with every column as VARCHAR;
-- Parquet and DataFrame columns are cast to VARCHAR), except timestamps that
-- are already typed in the source: those arrive in <column>_native as UTC
-- TIMESTAMP (the text column is then NULL). The common case of each check is
-- decided by cheap tests first; the full diagnosis runs only for bad rows.
-- The ingest's settings (time window, path separator) are in the session
-- variable tp_ingest (ingest_settings.sql).

-- Text with surrounding blanks removed; blank becomes NULL.
CREATE OR REPLACE TEMP MACRO tp_text(x) AS
    CASE
        WHEN starts_with(x, ' ') OR ends_with(x, ' ') THEN nullif(trim(x), '')
        ELSE nullif(x, '')
    END;

-- ISO 8601 basic form (20260601, 20260601T1000, 20260601T100000[.fff], a time
-- optionally followed by Z, +hh or +hhmm) rewritten in the extended form
-- (2026-06-01T10:00:00+0800) that the casts read; NULL for any other text.
CREATE OR REPLACE TEMP MACRO tp_iso(t) AS
    CASE
        WHEN regexp_full_match(t, '[0-9]{8}')
            THEN regexp_replace(t, '^([0-9]{4})([0-9]{2})([0-9]{2})', '\1-\2-\3')
        WHEN regexp_full_match(t, '[0-9]{8}T[0-9]{6}([.][0-9]+)?(Z|[+-][0-9]{2}([0-9]{2})?)?')
            THEN regexp_replace(t, '^([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})',
                                '\1-\2-\3T\4:\5:\6')
        WHEN regexp_full_match(t, '[0-9]{8}T[0-9]{4}(Z|[+-][0-9]{2}([0-9]{2})?)?')
            THEN regexp_replace(t, '^([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})',
                                '\1-\2-\3T\4:\5')
    END;

-- ISO 8601 text (extended or basic form), with or without offset, as a UTC
-- TIMESTAMP (no offset = UTC). epoch_us of a TIMESTAMPTZ is UTC microseconds
-- whatever the session zone. The basic form is tried only when the extended
-- one does not parse.
CREATE OR REPLACE TEMP MACRO tp_utc(x) AS
    make_timestamp(epoch_us(coalesce(
        TRY_CAST(tp_text(x) AS TIMESTAMPTZ),
        TRY_CAST(tp_iso(tp_text(x)) AS TIMESTAMPTZ)
    )));

-- Trimmed text as a calendar date: YYYY-MM-DD, or a timestamp exactly at midnight.
CREATE OR REPLACE TEMP MACRO tp_day_of(t) AS
    CASE
        WHEN TRY_CAST(t AS TIMESTAMP) = TRY_CAST(t AS DATE) THEN TRY_CAST(t AS DATE)
    END;

-- A calendar date in the extended form (2026-06-01) or the basic one (20260601).
CREATE OR REPLACE TEMP MACRO tp_day(x) AS
    coalesce(tp_day_of(tp_text(x)), tp_day_of(tp_iso(tp_text(x))));

-- Whether a parsed timestamp or date lies in the ingest's time window
-- [start, end); NULL when it is NULL.
CREATE OR REPLACE TEMP MACRO tp_in_window(p) AS
    p >= getvariable('tp_ingest').ts_from AND p < getvariable('tp_ingest').ts_to;

-- Why a parsed value outside the window is refused: "<what> <value> is outside
-- <start> .. <end>", the value as given (trimmed text, or a typed value printed).
CREATE OR REPLACE TEMP MACRO tp_outside(what, raw) AS
    what || ' ' || coalesce(tp_text(CAST(raw AS VARCHAR)), CAST(raw AS VARCHAR))
        || ' is outside ' || getvariable('tp_ingest').window;

-- Why a channel name is refused (NULL when it is fine): empty, or holding the
-- path separator, which would split it into several channels once paths are
-- written and read back.
CREATE OR REPLACE TEMP MACRO tp_channel_problem(p) AS
    CASE
        WHEN p IS NULL THEN 'empty channel'
        WHEN contains(p, getvariable('tp_ingest').sep_mark)
            THEN 'channel name contains ''' || getvariable('tp_ingest').sep_mark
                || ''', the path separator (channels in a path are joined by '''
                || getvariable('tp_ingest').sep || ''')'
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

-- A UTC timestamp as fixed-width text (2026-06-01T10:00:00.000000Z), for content keys.
CREATE OR REPLACE TEMP MACRO tp_ts_text(p) AS strftime(p, '%Y-%m-%dT%H:%M:%S.%fZ');

-- The content key of a parsed row given as a list of text (NULL kept as JSON
-- null): 'd:' and the first 16 hex digits of the SHA-256 of the list as JSON.
-- A derived id is this key, ':' and the row's occurrence number among the
-- file's identical rows (derive_ids_<table>.sql).
CREATE OR REPLACE TEMP MACRO tp_row_key(parts) AS
    'd:' || left(sha256(CAST(to_json(parts) AS VARCHAR)), 16);

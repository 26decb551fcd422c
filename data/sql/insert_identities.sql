-- Staged identity pairs not stored yet, each once: of a pair seen several
-- times in the file the earliest (by ts, then source) is kept. Re-ingest is a
-- no-op.
INSERT INTO identities (id_a, id_b, source, ts)
SELECT id_a, id_b, source, ts
FROM (
    SELECT
        s.id_a, s.id_b, s.source, s.ts,
        row_number() OVER (
            PARTITION BY s.id_a, s.id_b ORDER BY s.ts NULLS LAST, s.source NULLS LAST
        ) AS n
    FROM _staged AS s
    WHERE NOT EXISTS (
        SELECT 1 FROM identities AS i WHERE i.id_a = s.id_a AND i.id_b = s.id_b
    )
)
WHERE n = 1;

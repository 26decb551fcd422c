-- Staged conversions whose conversion_id is not stored yet (re-ingest is a no-op).
INSERT INTO conversions (conversion_id, user_id, ts, value, kind)
SELECT s.conversion_id, s.user_id, s.ts, s.value, s.kind
FROM _staged AS s
WHERE NOT EXISTS (SELECT 1 FROM conversions AS c WHERE c.conversion_id = s.conversion_id);

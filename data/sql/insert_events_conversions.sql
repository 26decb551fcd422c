-- The conversions of a staged events file whose id is not stored yet.
INSERT INTO conversions (conversion_id, user_id, ts, value, kind)
SELECT s.event_id, s.user_id, s.ts, s.value, s.kind
FROM _staged AS s
WHERE s._target = 'conversions'
    AND NOT EXISTS (SELECT 1 FROM conversions AS c WHERE c.conversion_id = s.event_id);

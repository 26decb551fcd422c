-- The touches no channel rule matched ($other), by source and medium, largest first.
SELECT source, medium, sum("rows") AS n
FROM _channel_map
WHERE channel = $other
GROUP BY source, medium
ORDER BY n DESC, source NULLS LAST, medium NULLS LAST;

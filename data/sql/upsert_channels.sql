-- Staged channels that are new or differ from the stored row. Status always
-- comes from the file; group_name and launched_on only when the file has that
-- column ($has_group_name, $has_launched_on), otherwise the stored value stays.
INSERT INTO channels (channel, status, group_name, launched_on)
WITH
incoming AS (
    SELECT
        s.channel,
        s.status,
        CASE WHEN $has_group_name THEN s.group_name ELSE c.group_name END AS group_name,
        CASE WHEN $has_launched_on THEN s.launched_on ELSE c.launched_on END AS launched_on
    FROM _staged AS s
    LEFT JOIN channels AS c USING (channel)
)
SELECT i.channel, i.status, i.group_name, i.launched_on
FROM incoming AS i
WHERE NOT EXISTS (
    SELECT 1 FROM channels AS c
    WHERE c.channel = i.channel
      AND c.status = i.status
      AND c.group_name IS NOT DISTINCT FROM i.group_name
      AND c.launched_on IS NOT DISTINCT FROM i.launched_on
)
ON CONFLICT (channel) DO UPDATE SET
    status = excluded.status,
    group_name = excluded.group_name,
    launched_on = excluded.launched_on
RETURNING channel;

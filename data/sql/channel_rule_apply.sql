-- Rule $rule_no catches the traffic sources no earlier rule caught and whose values
-- all match its patterns: full match, case-insensitive, a NULL value matched as ''.
-- A NULL pattern matches any value. Run once per rule, in order, so the first matching
-- rule wins. The patterns are bound parameters: DuckDB compiles each once per statement.
UPDATE _channel_combos
SET rule_no = $rule_no
WHERE rule_no IS NULL
  AND ($source::VARCHAR   IS NULL OR regexp_full_match(coalesce(source, ''),   $source,   'i'))
  AND ($medium::VARCHAR   IS NULL OR regexp_full_match(coalesce(medium, ''),   $medium,   'i'))
  AND ($campaign::VARCHAR IS NULL OR regexp_full_match(coalesce(campaign, ''), $campaign, 'i'))
  AND ($referrer::VARCHAR IS NULL OR regexp_full_match(coalesce(referrer, ''), $referrer, 'i'));

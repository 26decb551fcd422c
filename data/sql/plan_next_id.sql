-- The id of the next recorded plan: one more than the largest so far.
SELECT coalesce(max(plan_id), 0) + 1 FROM plans

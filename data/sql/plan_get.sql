-- One recorded plan by id; the latest when $plan_id is NULL.
SELECT plan_id, recorded_at, quarter, data_version, model, params, budget, total_spend,
       expected_revenue, currency
FROM plans
WHERE $plan_id IS NULL OR plan_id = $plan_id
ORDER BY plan_id DESC
LIMIT 1

-- The recorded plans, newest first.
SELECT plan_id, recorded_at, quarter, data_version, model, params, budget, total_spend,
       expected_revenue, currency
FROM plans
ORDER BY plan_id DESC

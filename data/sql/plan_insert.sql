-- One recorded plan (its lines go in with plan_line_insert.sql, same transaction).
INSERT INTO plans (plan_id, recorded_at, quarter, data_version, model, params, budget,
                   total_spend, expected_revenue, currency)
VALUES ($plan_id, $recorded_at, $quarter, $data_version, $model, $params,
        CAST($budget AS DECIMAL(18, 6)), CAST($total_spend AS DECIMAL(18, 6)),
        CAST($expected_revenue AS DECIMAL(18, 6)), $currency)

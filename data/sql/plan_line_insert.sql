-- One channel-month of a recorded plan; amounts arrive as decimal text, stored exactly.
INSERT INTO plan_lines (plan_id, channel, month, spend, expected_revenue)
VALUES ($plan_id, $channel, $month, CAST($spend AS DECIMAL(18, 6)),
        CAST($expected_revenue AS DECIMAL(18, 6)))

-- One row of channel_verdicts (parameters in column order).
INSERT INTO channel_verdicts
    (channel, evaluated_at, period, verdict, roi, baseline, ratio, rule, reason, source)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

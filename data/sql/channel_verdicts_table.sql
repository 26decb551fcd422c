-- channel_verdicts: the history of lifecycle verdicts (source 'rules') and of
-- user status changes (source 'user') per channel. Created when missing.
CREATE TABLE IF NOT EXISTS channel_verdicts (
    channel      VARCHAR   NOT NULL,
    evaluated_at TIMESTAMP NOT NULL,
    period       VARCHAR,
    verdict      VARCHAR   NOT NULL,
    roi          DOUBLE,
    baseline     DOUBLE,
    ratio        DOUBLE,
    rule         VARCHAR   NOT NULL,
    reason       VARCHAR,
    source       VARCHAR   NOT NULL
)

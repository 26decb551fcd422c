-- The input shape of one ingest, known once the file's header is read, kept in
-- the session variable tp_shape for the staging queries: whether ids are
-- derived from the rows' content ($derive_ids: the file has no id column), and
-- for an events file the conversion events and the view-through events
-- (trimmed, lower-case names).
SET VARIABLE tp_shape = {
    'derive_ids': CAST($derive_ids AS BOOLEAN),
    'conversion_events': CAST($conversion_events AS VARCHAR[]),
    'view_events': CAST($view_events AS VARCHAR[])
};

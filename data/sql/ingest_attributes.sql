-- The attribute columns of one ingest (a conversions or events file's extra
-- columns, a users file's columns besides user_id), kept in the session
-- variable tp_attrs in the order of the list _attrs each staged row carries
-- (see Warehouse.ingest): the k-th value of _attrs is attribute tp_attrs[k].
SET VARIABLE tp_attrs = CAST($names AS VARCHAR[]);

-- Replace the stored persons with the components just found (in the ingest's
-- transaction).
DELETE FROM identity_persons;
INSERT INTO identity_persons (user_id, person_id, ids)
SELECT user_id, person_id, ids FROM identity_persons_found;

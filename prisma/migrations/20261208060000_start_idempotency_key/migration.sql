-- A create (a dossier, a project) repeated with the same Idempotency-Key after its answer was lost (the process
-- killed, or the database away, between the commit and the stored answer) finds the subject it created through
-- its START row's key instead of creating it again.
CREATE INDEX "workflow_events_start_key_idx" ON "workflow_events" ("idempotency_key") WHERE "seq" = 1 AND "idempotency_key" IS NOT NULL;

-- History rows are now sealed with an HMAC keyed by AUDIT_KEY (scheme 2), over the row, its instance's subject
-- and unit, the workflow version it ran on and the digest of the snapshot it left. Rows written before stay
-- scheme 1 (SHA-256): the database cannot seal them, since it does not hold the key.
ALTER TABLE "workflow_events" ADD COLUMN "scheme" SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE "workflow_events" ADD COLUMN "workflow_version" INTEGER;
ALTER TABLE "workflow_events" ADD COLUMN "snapshot_digest" TEXT;

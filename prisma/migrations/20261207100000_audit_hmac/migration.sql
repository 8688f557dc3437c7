-- The history becomes an HMAC chain (key AUDIT_KEY, which SQL does not have, so rows already written cannot be
-- re-chained here). Each row says how it was hashed: 1 = the old plain SHA-256 over the row (every row written
-- before this migration), 2 = HMAC-SHA256 that also covers the instance's subject and unit, the workflow and
-- its version, and the digest of the snapshot after the event. A chain may go from 1 to 2, never back; the
-- signed checkpoints count each chain's scheme-1 rows so that rows relabelled 1 later are found.
-- AlterTable
ALTER TABLE "workflow_events" ADD COLUMN "hash_scheme" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN "workflow_version" INTEGER,
ADD COLUMN "snapshot_digest" TEXT;

-- The integrity checks run as worker jobs: each run's progress and result, the latest one shown.
-- CreateTable
CREATE TABLE "audit_runs" (
    "id" TEXT NOT NULL,
    "requested_by" TEXT,
    "scope" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "checked" INTEGER NOT NULL DEFAULT 0,
    "total" INTEGER,
    "result" JSONB,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "audit_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_runs_scope_created_at_idx" ON "audit_runs"("scope", "created_at");

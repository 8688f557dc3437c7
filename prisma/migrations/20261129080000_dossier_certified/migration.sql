-- The certification module's read model of the one state the reports count (src/certification/certification.hooks.ts
-- sets it in the event's transaction on certification and clears it on revocation), so that GET /reports/progress
-- no longer joins the engine's workflow_instances: the join scanned every certified instance of the country for
-- one province (bench/reports.ts, ntm_national: 58 ms of the report's queries).
-- AlterTable
ALTER TABLE "dossiers" ADD COLUMN "certified" BOOLEAN NOT NULL DEFAULT false;

UPDATE "dossiers" d SET "certified" = true
  FROM "workflow_instances" i
 WHERE i."subject_type" = 'dossier' AND i."subject_id" = d."id" AND i."state" = 'certified';

-- CreateIndex (partial: the certified dossiers under a unit path)
CREATE INDEX "dossiers_certified_unit_path_idx" ON "dossiers"("unit_path" text_pattern_ops) WHERE "certified";

-- Village criteria between certifications (issue 14, item 1).
--
-- Where each flag of village_criteria comes from: the seed's estimate (the plan gives counts per criterion,
-- not per village), a confirmed assessment, a certification (or its revocation), or an ADMIN's import.
-- baseline_met is the flag at the plan's baseline (5/2019): the seed's estimate, or an import marked as the
-- baseline; the scoped progress report counts it. Existing rows were all seeded, so their flags stand as the
-- estimate; a village certified before this migration keeps its certified flags as its baseline (no better
-- figure exists for it).
ALTER TABLE "village_criteria" ADD COLUMN "source" TEXT NOT NULL DEFAULT 'seed-estimate';
ALTER TABLE "village_criteria" ADD COLUMN "baseline_met" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "village_criteria" ADD CONSTRAINT "village_criteria_source_check"
  CHECK ("source" IN ('seed-estimate', 'assessment', 'certification', 'import'));
UPDATE "village_criteria" SET "baseline_met" = "met";
UPDATE "village_criteria" vc SET "source" = 'certification'
  FROM "dossiers" d WHERE d."certified" AND d."village_id" = vc."village_id";

-- Every change of a flag, with its cause: an assessment confirmed, a certification, a revocation, an import.
CREATE TABLE "village_criterion_changes" (
    "id" TEXT NOT NULL,
    "village_id" TEXT NOT NULL,
    "criterion_code" SMALLINT NOT NULL,
    "from_met" BOOLEAN NOT NULL,
    "to_met" BOOLEAN NOT NULL,
    "cause_kind" TEXT NOT NULL,
    "cause_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "by" TEXT,

    CONSTRAINT "village_criterion_changes_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "village_criterion_changes_cause_kind_check" CHECK ("cause_kind" IN ('assessment', 'certification', 'revocation', 'import'))
);
CREATE INDEX "village_criterion_changes_village_id_at_idx" ON "village_criterion_changes"("village_id", "at");
ALTER TABLE "village_criterion_changes" ADD CONSTRAINT "village_criterion_changes_village_id_fkey"
  FOREIGN KEY ("village_id") REFERENCES "units"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- An ADMIN's import of the villages' flags from a file: one row per import, the cause of its changes.
CREATE TABLE "criteria_imports" (
    "id" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "rows" INTEGER NOT NULL,
    "changed" INTEGER NOT NULL,
    "baseline" BOOLEAN NOT NULL,
    "imported_by" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "criteria_imports_pkey" PRIMARY KEY ("id")
);

-- A village's assessment of some of its criteria at a date (subject type `assessment` of workflow `assessment`).
CREATE TABLE "assessments" (
    "id" TEXT NOT NULL,
    "village_id" TEXT NOT NULL,
    "commune_id" TEXT NOT NULL,
    "district_id" TEXT,
    "unit_path" TEXT NOT NULL,
    "assessed_on" DATE NOT NULL,
    "note" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "open" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "assessments_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "assessments_village_id_created_at_idx" ON "assessments"("village_id", "created_at");
CREATE INDEX "assessments_unit_path_prefix_idx" ON "assessments"("unit_path" text_pattern_ops);
ALTER TABLE "assessments" ADD CONSTRAINT "assessments_village_id_fkey"
  FOREIGN KEY ("village_id") REFERENCES "units"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "assessment_criteria" (
    "assessment_id" TEXT NOT NULL,
    "code" SMALLINT NOT NULL,
    "met" BOOLEAN NOT NULL,

    CONSTRAINT "assessment_criteria_pkey" PRIMARY KEY ("assessment_id", "code")
);
ALTER TABLE "assessment_criteria" ADD CONSTRAINT "assessment_criteria_assessment_id_fkey"
  FOREIGN KEY ("assessment_id") REFERENCES "assessments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "assessment_criteria" ADD CONSTRAINT "assessment_criteria_code_fkey"
  FOREIGN KEY ("code") REFERENCES "criteria"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- An assessment's evidence, stored like a dossier's attachments (STORAGE_DIR/attachments, by SHA-256).
CREATE TABLE "assessment_attachments" (
    "id" TEXT NOT NULL,
    "assessment_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "mime_type" TEXT NOT NULL,
    "uploaded_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "assessment_attachments_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "assessment_attachments_assessment_id_idx" ON "assessment_attachments"("assessment_id");
ALTER TABLE "assessment_attachments" ADD CONSTRAINT "assessment_attachments_assessment_id_fkey"
  FOREIGN KEY ("assessment_id") REFERENCES "assessments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

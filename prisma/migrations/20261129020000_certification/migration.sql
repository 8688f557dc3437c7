-- CreateTable
CREATE TABLE "dossiers" (
    "id" TEXT NOT NULL,
    "village_id" TEXT NOT NULL,
    "commune_id" TEXT NOT NULL,
    "district_id" TEXT,
    "unit_path" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "open" BOOLEAN NOT NULL DEFAULT true,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dossiers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dossier_criteria" (
    "dossier_id" TEXT NOT NULL,
    "code" SMALLINT NOT NULL,
    "met" BOOLEAN,
    "note" TEXT,
    "review_status" TEXT NOT NULL DEFAULT 'pending',
    "review_comment" TEXT,
    "assignee_id" TEXT,
    "reviewed_by" TEXT,
    "reviewed_at" TIMESTAMPTZ(3),

    CONSTRAINT "dossier_criteria_pkey" PRIMARY KEY ("dossier_id","code")
);

-- CreateTable
CREATE TABLE "attachments" (
    "id" TEXT NOT NULL,
    "dossier_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "mime_type" TEXT NOT NULL,
    "uploaded_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "attachments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "dossiers_village_id_year_idx" ON "dossiers"("village_id", "year");

-- CreateIndex
CREATE INDEX "dossiers_unit_path_prefix_idx" ON "dossiers"("unit_path" text_pattern_ops);

-- One open dossier per village and year (not expressible in schema.prisma).
CREATE UNIQUE INDEX "dossiers_one_open_per_village_year" ON "dossiers"("village_id", "year") WHERE "open";

-- CreateIndex
CREATE INDEX "dossier_criteria_assignee_id_review_status_idx" ON "dossier_criteria"("assignee_id", "review_status");

-- CreateIndex
CREATE INDEX "attachments_dossier_id_kind_idx" ON "attachments"("dossier_id", "kind");

-- AddForeignKey
ALTER TABLE "dossier_criteria" ADD CONSTRAINT "dossier_criteria_dossier_id_fkey" FOREIGN KEY ("dossier_id") REFERENCES "dossiers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_dossier_id_fkey" FOREIGN KEY ("dossier_id") REFERENCES "dossiers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

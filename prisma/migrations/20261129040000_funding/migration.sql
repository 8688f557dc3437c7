-- CreateTable
CREATE TABLE "projects" (
    "id" TEXT NOT NULL,
    "village_id" TEXT NOT NULL,
    "commune_id" TEXT NOT NULL,
    "district_id" TEXT,
    "unit_path" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "criterion_code" SMALLINT NOT NULL,
    "estimated_cost_vnd" BIGINT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "project_funding" (
    "project_id" TEXT NOT NULL,
    "fund_code" TEXT NOT NULL,
    "amount_vnd" BIGINT NOT NULL,

    CONSTRAINT "project_funding_pkey" PRIMARY KEY ("project_id","fund_code")
);

-- CreateTable
CREATE TABLE "project_contributions" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "quantity" DOUBLE PRECISION NOT NULL,
    "unit" TEXT NOT NULL,
    "value_vnd" BIGINT NOT NULL,
    "pledged_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "project_contributions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contribution_receipts" (
    "id" TEXT NOT NULL,
    "contribution_id" TEXT NOT NULL,
    "quantity" DOUBLE PRECISION NOT NULL,
    "value_vnd" BIGINT NOT NULL,
    "received_at" DATE NOT NULL,
    "recorded_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contribution_receipts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fund_ledger" (
    "id" TEXT NOT NULL,
    "fund_code" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amount_vnd" BIGINT NOT NULL,
    "actor_id" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "fund_ledger_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "projects_unit_path_prefix_idx" ON "projects"("unit_path" text_pattern_ops);

-- CreateIndex
CREATE INDEX "project_contributions_project_id_idx" ON "project_contributions"("project_id");

-- CreateIndex
CREATE INDEX "contribution_receipts_contribution_id_idx" ON "contribution_receipts"("contribution_id");

-- CreateIndex
CREATE INDEX "fund_ledger_fund_code_idx" ON "fund_ledger"("fund_code");

-- CreateIndex
CREATE INDEX "fund_ledger_project_id_idx" ON "fund_ledger"("project_id");

-- A fund never goes below zero nor beyond its plan (not expressible in schema.prisma).
ALTER TABLE "funds" ADD CONSTRAINT "funds_amounts_within_plan" CHECK ("allocated_vnd" >= 0 AND "disbursed_vnd" >= 0 AND "allocated_vnd" + "disbursed_vnd" <= "planned_vnd");

-- Ledger amounts are positive whole đồng of a known kind (not expressible in schema.prisma).
ALTER TABLE "fund_ledger" ADD CONSTRAINT "fund_ledger_amount_positive" CHECK ("amount_vnd" > 0 AND "kind" IN ('allocate', 'release', 'disburse'));

-- AddForeignKey
ALTER TABLE "project_funding" ADD CONSTRAINT "project_funding_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_funding" ADD CONSTRAINT "project_funding_fund_code_fkey" FOREIGN KEY ("fund_code") REFERENCES "funds"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_contributions" ADD CONSTRAINT "project_contributions_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contribution_receipts" ADD CONSTRAINT "contribution_receipts_contribution_id_fkey" FOREIGN KEY ("contribution_id") REFERENCES "project_contributions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fund_ledger" ADD CONSTRAINT "fund_ledger_fund_code_fkey" FOREIGN KEY ("fund_code") REFERENCES "funds"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fund_ledger" ADD CONSTRAINT "fund_ledger_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

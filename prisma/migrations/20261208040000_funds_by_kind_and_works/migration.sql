-- Funds by kind and year (issue 14): a budget grant is allocated to works; credit is lent to households through
-- the policy bank and tracked as loans by commune; mobilised resources are what residents contribute and
-- enterprises pledge. Year-bound funds fund only works of their year, so a work has a year.

-- AlterTable
ALTER TABLE "funds" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'grant',
                    ADD COLUMN "year" INTEGER;

-- A fund's kind is one of three (not expressible in schema.prisma).
ALTER TABLE "funds" ADD CONSTRAINT "funds_kind_known" CHECK ("kind" IN ('grant', 'credit', 'mobilised'));

-- The plan's funds (seeded before this migration existed).
UPDATE "funds" SET "kind" = 'credit' WHERE "code" = 'CREDIT';
UPDATE "funds" SET "kind" = 'mobilised' WHERE "code" = 'MOBILIZED';
UPDATE "funds" SET "year" = 2019 WHERE "code" = 'NTM_RESERVE_2019';
UPDATE "funds" SET "year" = 2020 WHERE "code" IN ('NTM_RESERVE_2020', 'POVERTY_2020');

-- AlterTable: a work's year; existing works take the year they were proposed in (Vietnam's time).
ALTER TABLE "projects" ADD COLUMN "year" INTEGER;
UPDATE "projects" SET "year" = extract(year FROM "created_at" AT TIME ZONE 'Asia/Ho_Chi_Minh')::int;
-- A work drawing on a year-bound fund belongs to that fund's year (else its allocation would now be refused).
UPDATE "projects" p SET "year" = f."year"
  FROM "project_funding" pf JOIN "funds" f ON f."code" = pf."fund_code"
 WHERE pf."project_id" = p."id" AND f."year" IS NOT NULL;
ALTER TABLE "projects" ALTER COLUMN "year" SET NOT NULL;

-- CreateTable
CREATE TABLE "credit_loans" (
    "id" TEXT NOT NULL,
    "fund_code" TEXT NOT NULL,
    "commune_id" TEXT NOT NULL,
    "commune_path" TEXT NOT NULL,
    "households" INTEGER NOT NULL,
    "amount_vnd" BIGINT NOT NULL,
    "disbursed_on" DATE NOT NULL,
    "note" TEXT,
    "recorded_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credit_loans_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enterprise_pledges" (
    "id" TEXT NOT NULL,
    "fund_code" TEXT NOT NULL,
    "enterprise" TEXT NOT NULL,
    "unit_id" TEXT NOT NULL,
    "unit_path" TEXT NOT NULL,
    "amount_vnd" BIGINT NOT NULL,
    "pledged_on" DATE NOT NULL,
    "note" TEXT,
    "recorded_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enterprise_pledges_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "credit_loans_fund_code_idx" ON "credit_loans"("fund_code");

-- CreateIndex
CREATE INDEX "credit_loans_commune_path_prefix_idx" ON "credit_loans"("commune_path" text_pattern_ops);

-- CreateIndex
CREATE INDEX "enterprise_pledges_fund_code_idx" ON "enterprise_pledges"("fund_code");

-- CreateIndex
CREATE INDEX "enterprise_pledges_unit_path_prefix_idx" ON "enterprise_pledges"("unit_path" text_pattern_ops);

-- Positive amounts and households (not expressible in schema.prisma).
ALTER TABLE "credit_loans" ADD CONSTRAINT "credit_loans_positive" CHECK ("amount_vnd" > 0 AND "households" > 0);
ALTER TABLE "enterprise_pledges" ADD CONSTRAINT "enterprise_pledges_positive" CHECK ("amount_vnd" > 0);

-- AddForeignKey
ALTER TABLE "credit_loans" ADD CONSTRAINT "credit_loans_fund_code_fkey" FOREIGN KEY ("fund_code") REFERENCES "funds"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_loans" ADD CONSTRAINT "credit_loans_commune_id_fkey" FOREIGN KEY ("commune_id") REFERENCES "units"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enterprise_pledges" ADD CONSTRAINT "enterprise_pledges_fund_code_fkey" FOREIGN KEY ("fund_code") REFERENCES "funds"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enterprise_pledges" ADD CONSTRAINT "enterprise_pledges_unit_id_fkey" FOREIGN KEY ("unit_id") REFERENCES "units"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Contributions in fixed units (issue 14): land in m², labour in days of work (ngày công), cash and materials in
-- đồng (materials by their value, so their quantity is their value). The free-text units of existing pledges are
-- read: known spellings kept, hectares (×10,000), sào (Bắc Bộ, ×360) and hours of work (÷8) converted, and a unit
-- that cannot be read leaves its number as it was. The original quantity and unit are kept beside every pledge
-- (and the original quantity beside every receipt) whose figures changed. The funding totals' triggers move the
-- totals with the updates.

-- AlterTable
ALTER TABLE "project_contributions" ADD COLUMN "legacy_quantity" DOUBLE PRECISION,
                                    ADD COLUMN "legacy_unit" TEXT;

-- AlterTable
ALTER TABLE "contribution_receipts" ADD COLUMN "legacy_quantity" DOUBLE PRECISION;

CREATE TEMPORARY TABLE "contribution_unit_factors" AS
SELECT x."id", x."kind",
       CASE
         WHEN x."kind" IN ('cash', 'materials') THEN NULL
         WHEN x."kind" = 'land' AND u."u" IN ('m2', 'm²', 'm^2', 'mét vuông', 'met vuong', 'sqm') THEN 1
         WHEN x."kind" = 'land' AND u."u" IN ('ha', 'hecta', 'héc-ta', 'hec-ta', 'hectare', 'hectares') THEN 10000
         WHEN x."kind" = 'land' AND u."u" IN ('sào', 'sao') THEN 360
         WHEN x."kind" = 'labor' AND u."u" IN ('ngày công', 'ngay cong', 'ngày', 'công', 'day', 'days', 'man-day', 'man-days', 'workday', 'workdays') THEN 1
         WHEN x."kind" = 'labor' AND u."u" IN ('giờ', 'gio', 'giờ công', 'hour', 'hours', 'h') THEN 0.125
         ELSE 1
       END::float8 AS "factor",
       CASE x."kind" WHEN 'land' THEN 'm2' WHEN 'labor' THEN 'ngày công' ELSE 'đồng' END AS "unit"
  FROM "project_contributions" x,
       LATERAL (SELECT normalize(lower(btrim(x."unit")), NFC) AS "u") u;

UPDATE "project_contributions" x
   SET "legacy_quantity" = x."quantity",
       "legacy_unit" = x."unit",
       "quantity" = CASE WHEN f."factor" IS NULL THEN x."value_vnd"::float8 ELSE x."quantity" * f."factor" END,
       "unit" = f."unit"
  FROM "contribution_unit_factors" f
 WHERE f."id" = x."id"
   AND (x."unit" IS DISTINCT FROM f."unit"
        OR x."quantity" IS DISTINCT FROM CASE WHEN f."factor" IS NULL THEN x."value_vnd"::float8 ELSE x."quantity" * f."factor" END);

UPDATE "contribution_receipts" r
   SET "legacy_quantity" = r."quantity",
       "quantity" = CASE WHEN f."factor" IS NULL THEN r."value_vnd"::float8 ELSE r."quantity" * f."factor" END
  FROM "contribution_unit_factors" f
 WHERE f."id" = r."contribution_id"
   AND r."quantity" IS DISTINCT FROM CASE WHEN f."factor" IS NULL THEN r."value_vnd"::float8 ELSE r."quantity" * f."factor" END;

DROP TABLE "contribution_unit_factors";

-- Each kind's unit, and cash and materials counted by value (not expressible in schema.prisma).
ALTER TABLE "project_contributions" ADD CONSTRAINT "project_contributions_fixed_unit" CHECK (
  ("kind" = 'land' AND "unit" = 'm2') OR ("kind" = 'labor' AND "unit" = 'ngày công')
  OR ("kind" IN ('cash', 'materials') AND "unit" = 'đồng' AND "quantity" = "value_vnd"::float8));

-- Eligible works (issue 14): a work has a type from the plan's list (workflows/funding/works.ts), tied to the
-- criterion it serves, and records its physical quantity (km, or a number of works); the quantity accepted is set
-- when the work is accepted. Existing works take the type their criterion names when only one type serves it
-- (1 road, 4 cultural house, 10 production model, 11 school); the others keep none.

-- AlterTable
ALTER TABLE "projects" ADD COLUMN "work_type" TEXT,
                       ADD COLUMN "physical_quantity" DOUBLE PRECISION,
                       ADD COLUMN "accepted_quantity" DOUBLE PRECISION;

UPDATE "projects" SET "work_type" = CASE "criterion_code" WHEN 1 THEN 'rural_road' WHEN 4 THEN 'cultural_house'
                                                          WHEN 10 THEN 'production_model' WHEN 11 THEN 'school_facilities' END;
UPDATE "projects" SET "physical_quantity" = 1 WHERE "work_type" IN ('cultural_house', 'production_model', 'school_facilities');

-- Quantities are positive (not expressible in schema.prisma).
ALTER TABLE "projects" ADD CONSTRAINT "projects_quantities_positive" CHECK (
  ("physical_quantity" IS NULL OR "physical_quantity" > 0) AND ("accepted_quantity" IS NULL OR "accepted_quantity" >= 0));

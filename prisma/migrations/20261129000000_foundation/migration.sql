-- CreateEnum
CREATE TYPE "UnitLevel" AS ENUM ('PROVINCE', 'DISTRICT', 'COMMUNE', 'VILLAGE');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('COMMUNE_STAFF', 'REVIEWER', 'PROVINCE_OFFICER', 'ADMIN');

-- CreateTable
CREATE TABLE "units" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" "UnitLevel" NOT NULL,
    "parent_id" TEXT,
    "path" TEXT NOT NULL,
    "placeholder" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "units_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "criteria" (
    "code" SMALLINT NOT NULL,
    "name_vi" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "baseline" INTEGER NOT NULL,
    "target" INTEGER NOT NULL,
    "target_share" DECIMAL(5,3) NOT NULL,

    CONSTRAINT "criteria_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "village_criteria" (
    "village_id" TEXT NOT NULL,
    "criterion_code" SMALLINT NOT NULL,
    "met" BOOLEAN NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "village_criteria_pkey" PRIMARY KEY ("village_id","criterion_code")
);

-- CreateTable
CREATE TABLE "funds" (
    "code" TEXT NOT NULL,
    "group" TEXT NOT NULL,
    "name_vi" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "central_budget" BOOLEAN NOT NULL,
    "planned_vnd" BIGINT NOT NULL,
    "allocated_vnd" BIGINT NOT NULL DEFAULT 0,
    "disbursed_vnd" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "funds_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "plans" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "period_from" INTEGER NOT NULL,
    "period_to" INTEGER NOT NULL,
    "targets" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "plans_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "full_name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "unit_id" TEXT NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'vi',
    "criteria" SMALLINT[] DEFAULT ARRAY[]::SMALLINT[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "seed_runs" (
    "name" TEXT NOT NULL,
    "applied_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "seed_runs_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE UNIQUE INDEX "units_code_key" ON "units"("code");

-- CreateIndex
CREATE INDEX "units_parent_id_idx" ON "units"("parent_id");

-- CreateIndex
CREATE INDEX "units_level_idx" ON "units"("level");

-- CreateIndex
CREATE INDEX "units_path_prefix_idx" ON "units"("path" text_pattern_ops);

-- CreateIndex
CREATE INDEX "village_criteria_criterion_code_met_idx" ON "village_criteria"("criterion_code", "met");

-- CreateIndex
CREATE UNIQUE INDEX "users_username_key" ON "users"("username");

-- CreateIndex
CREATE INDEX "users_unit_id_role_idx" ON "users"("unit_id", "role");

-- AddForeignKey
ALTER TABLE "units" ADD CONSTRAINT "units_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "units"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "village_criteria" ADD CONSTRAINT "village_criteria_village_id_fkey" FOREIGN KEY ("village_id") REFERENCES "units"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "village_criteria" ADD CONSTRAINT "village_criteria_criterion_code_fkey" FOREIGN KEY ("criterion_code") REFERENCES "criteria"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_unit_id_fkey" FOREIGN KEY ("unit_id") REFERENCES "units"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

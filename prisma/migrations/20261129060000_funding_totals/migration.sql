-- GET /reports/funding at national size (issue 7): running totals per commune, kept by the triggers below in
-- the transaction that writes the pledges, receipts and ledger rows, instead of aggregating every row in scope
-- on each request (src/reports/reports.repository.ts reads them).

-- AlterTable
-- Set by the funding module when a project ends without being carried out (rejected or cancelled, in the
-- event's transaction): its pledges no longer count as pledged; what was received still counts.
ALTER TABLE "projects" ADD COLUMN "pledges_void" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "commune_contribution_totals" (
    "commune_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "commune_path" TEXT NOT NULL,
    "contributions" INTEGER NOT NULL DEFAULT 0,
    "pledged_quantity" DECIMAL(65,30) NOT NULL DEFAULT 0,
    "pledged_vnd" BIGINT NOT NULL DEFAULT 0,
    "received_quantity" DECIMAL(65,30) NOT NULL DEFAULT 0,
    "received_vnd" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "commune_contribution_totals_pkey" PRIMARY KEY ("commune_id","kind")
);

-- CreateTable
CREATE TABLE "commune_funding_totals" (
    "commune_id" TEXT NOT NULL,
    "commune_path" TEXT NOT NULL,
    "pledged_vnd" BIGINT NOT NULL DEFAULT 0,
    "received_vnd" BIGINT NOT NULL DEFAULT 0,
    "allocated_vnd" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "commune_funding_totals_pkey" PRIMARY KEY ("commune_id")
);

-- CreateIndex
CREATE INDEX "commune_contribution_totals_path_prefix_idx" ON "commune_contribution_totals"("commune_path" text_pattern_ops);

-- CreateIndex
CREATE INDEX "commune_funding_totals_path_prefix_idx" ON "commune_funding_totals"("commune_path" text_pattern_ops);

-- Projects that already ended without being carried out (before any trigger exists, so nothing moves twice).
UPDATE "projects" p SET "pledges_void" = true
  FROM "workflow_instances" i
 WHERE i."subject_type" = 'project' AND i."subject_id" = p."id" AND i."state" IN ('rejected', 'cancelled');

-- The totals, from the rows of the moment (set-based). Quantities are summed as NUMERIC (each DOUBLE PRECISION
-- quantity cast on its own), so a sum does not depend on the order its rows arrive in. A kind counts its
-- pledges (`contributions`) whether or not they are void, so the report lists every kind pledged in scope.
-- Allocated is net of releases and disbursements, as the funds' columns are. Usable to repair the totals.
CREATE FUNCTION "funding_totals_rebuild"() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- Writers' triggers wait until this commits, then add their rows on top (none is counted twice or lost).
  LOCK TABLE "commune_funding_totals", "commune_contribution_totals" IN EXCLUSIVE MODE;
  DELETE FROM "commune_funding_totals";
  DELETE FROM "commune_contribution_totals";
  INSERT INTO "commune_contribution_totals"
         ("commune_id", "kind", "commune_path", "contributions", "pledged_quantity", "pledged_vnd", "received_quantity", "received_vnd")
  SELECT p."commune_id", x."kind", c."path", count(*),
         coalesce(sum(x."quantity"::numeric) FILTER (WHERE NOT p."pledges_void"), 0),
         coalesce(sum(x."value_vnd") FILTER (WHERE NOT p."pledges_void"), 0),
         coalesce(sum(r."quantity"), 0), coalesce(sum(r."value_vnd"), 0)
    FROM "project_contributions" x
    JOIN "projects" p ON p."id" = x."project_id"
    JOIN "units" c ON c."id" = p."commune_id"
    LEFT JOIN (SELECT "contribution_id", sum("quantity"::numeric) AS "quantity", sum("value_vnd") AS "value_vnd"
                 FROM "contribution_receipts" GROUP BY "contribution_id") r ON r."contribution_id" = x."id"
   GROUP BY p."commune_id", x."kind", c."path";
  INSERT INTO "commune_funding_totals" ("commune_id", "commune_path", "pledged_vnd", "received_vnd", "allocated_vnd")
  SELECT a."commune_id", min(a."commune_path"), sum(a."pledged"), sum(a."received"), sum(a."allocated")
    FROM (SELECT "commune_id", "commune_path", "pledged_vnd" AS "pledged", "received_vnd" AS "received", 0 AS "allocated"
            FROM "commune_contribution_totals"
          UNION ALL
          SELECT p."commune_id", c."path", 0, 0, CASE l."kind" WHEN 'allocate' THEN l."amount_vnd" ELSE -l."amount_vnd" END
            FROM "fund_ledger" l
            JOIN "projects" p ON p."id" = l."project_id"
            JOIN "units" c ON c."id" = p."commune_id") a
   GROUP BY a."commune_id";
END $$;

-- The maintenance: each statement's rows (transition tables) are added (inserted rows) or taken away (deleted
-- rows; an update does both) under the commune of their project, by upserts whose rows are sorted by key, so
-- concurrent writers add up (ON CONFLICT DO UPDATE) and lock totals rows in one order: the commune's row of
-- commune_funding_totals, then its rows by kind. The add functions take the changed rows and a direction
-- (1 adds them, -1 takes them away). The application only inserts into these tables; updates and deletes
-- (by hand) are kept right as well.

-- Pledges count as pledged unless their project's pledges are void. The projects are locked FOR SHARE first,
-- so a concurrent change of pledges_void either waits for this transaction (and then moves these pledges too)
-- or has committed and is seen by the upserts (each statement takes a new snapshot in READ COMMITTED).
CREATE FUNCTION "funding_totals_add_contributions"("direction" INTEGER, "changed" "project_contributions"[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "projects" WHERE "id" IN (SELECT "project_id" FROM unnest("changed")) ORDER BY "id" FOR SHARE;
  INSERT INTO "commune_funding_totals" AS t ("commune_id", "commune_path", "pledged_vnd")
  SELECT p."commune_id", c."path", "direction" * coalesce(sum(x."value_vnd") FILTER (WHERE NOT p."pledges_void"), 0)
    FROM unnest("changed") x
    JOIN "projects" p ON p."id" = x."project_id"
    JOIN "units" c ON c."id" = p."commune_id"
   GROUP BY p."commune_id", c."path"
   ORDER BY p."commune_id"
  ON CONFLICT ("commune_id") DO UPDATE SET "pledged_vnd" = t."pledged_vnd" + excluded."pledged_vnd";
  INSERT INTO "commune_contribution_totals" AS t ("commune_id", "kind", "commune_path", "contributions", "pledged_quantity", "pledged_vnd")
  SELECT p."commune_id", x."kind", c."path", "direction" * count(*),
         "direction" * coalesce(sum(x."quantity"::numeric) FILTER (WHERE NOT p."pledges_void"), 0),
         "direction" * coalesce(sum(x."value_vnd") FILTER (WHERE NOT p."pledges_void"), 0)
    FROM unnest("changed") x
    JOIN "projects" p ON p."id" = x."project_id"
    JOIN "units" c ON c."id" = p."commune_id"
   GROUP BY p."commune_id", x."kind", c."path"
   ORDER BY p."commune_id", x."kind"
  ON CONFLICT ("commune_id", "kind") DO UPDATE
     SET "contributions" = t."contributions" + excluded."contributions",
         "pledged_quantity" = t."pledged_quantity" + excluded."pledged_quantity",
         "pledged_vnd" = t."pledged_vnd" + excluded."pledged_vnd";
END $$;

-- Receipts count under their contribution's kind, void or not (what was received was received).
CREATE FUNCTION "funding_totals_add_receipts"("direction" INTEGER, "changed" "contribution_receipts"[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "commune_funding_totals" AS t ("commune_id", "commune_path", "received_vnd")
  SELECT p."commune_id", c."path", "direction" * sum(r."value_vnd")
    FROM unnest("changed") r
    JOIN "project_contributions" x ON x."id" = r."contribution_id"
    JOIN "projects" p ON p."id" = x."project_id"
    JOIN "units" c ON c."id" = p."commune_id"
   GROUP BY p."commune_id", c."path"
   ORDER BY p."commune_id"
  ON CONFLICT ("commune_id") DO UPDATE SET "received_vnd" = t."received_vnd" + excluded."received_vnd";
  INSERT INTO "commune_contribution_totals" AS t ("commune_id", "kind", "commune_path", "received_quantity", "received_vnd")
  SELECT p."commune_id", x."kind", c."path", "direction" * sum(r."quantity"::numeric), "direction" * sum(r."value_vnd")
    FROM unnest("changed") r
    JOIN "project_contributions" x ON x."id" = r."contribution_id"
    JOIN "projects" p ON p."id" = x."project_id"
    JOIN "units" c ON c."id" = p."commune_id"
   GROUP BY p."commune_id", x."kind", c."path"
   ORDER BY p."commune_id", x."kind"
  ON CONFLICT ("commune_id", "kind") DO UPDATE
     SET "received_quantity" = t."received_quantity" + excluded."received_quantity",
         "received_vnd" = t."received_vnd" + excluded."received_vnd";
END $$;

-- Ledger rows: an allocation adds, a release or a disbursement takes away.
CREATE FUNCTION "funding_totals_add_ledger"("direction" INTEGER, "changed" "fund_ledger"[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "commune_funding_totals" AS t ("commune_id", "commune_path", "allocated_vnd")
  SELECT p."commune_id", c."path", "direction" * sum(CASE l."kind" WHEN 'allocate' THEN l."amount_vnd" ELSE -l."amount_vnd" END)
    FROM unnest("changed") l
    JOIN "projects" p ON p."id" = l."project_id"
    JOIN "units" c ON c."id" = p."commune_id"
   GROUP BY p."commune_id", c."path"
   ORDER BY p."commune_id"
  ON CONFLICT ("commune_id") DO UPDATE SET "allocated_vnd" = t."allocated_vnd" + excluded."allocated_vnd";
END $$;

-- A project's pledges_void set (or cleared): its pledges leave (or return to) the pledged totals.
CREATE FUNCTION "funding_totals_on_projects"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "commune_funding_totals" AS t ("commune_id", "commune_path", "pledged_vnd")
  SELECT n."commune_id", c."path", sum(CASE WHEN n."pledges_void" THEN -1 ELSE 1 END * x."value_vnd")
    FROM "new_rows" n
    JOIN "old_rows" o ON o."id" = n."id"
    JOIN "project_contributions" x ON x."project_id" = n."id"
    JOIN "units" c ON c."id" = n."commune_id"
   WHERE n."pledges_void" IS DISTINCT FROM o."pledges_void"
   GROUP BY n."commune_id", c."path"
   ORDER BY n."commune_id"
  ON CONFLICT ("commune_id") DO UPDATE SET "pledged_vnd" = t."pledged_vnd" + excluded."pledged_vnd";
  INSERT INTO "commune_contribution_totals" AS t ("commune_id", "kind", "commune_path", "pledged_quantity", "pledged_vnd")
  SELECT n."commune_id", x."kind", c."path",
         sum(CASE WHEN n."pledges_void" THEN -1 ELSE 1 END * x."quantity"::numeric),
         sum(CASE WHEN n."pledges_void" THEN -1 ELSE 1 END * x."value_vnd")
    FROM "new_rows" n
    JOIN "old_rows" o ON o."id" = n."id"
    JOIN "project_contributions" x ON x."project_id" = n."id"
    JOIN "units" c ON c."id" = n."commune_id"
   WHERE n."pledges_void" IS DISTINCT FROM o."pledges_void"
   GROUP BY n."commune_id", x."kind", c."path"
   ORDER BY n."commune_id", x."kind"
  ON CONFLICT ("commune_id", "kind") DO UPDATE
     SET "pledged_quantity" = t."pledged_quantity" + excluded."pledged_quantity",
         "pledged_vnd" = t."pledged_vnd" + excluded."pledged_vnd";
  RETURN NULL;
END $$;

-- Trigger functions of the three tables (PostgreSQL allows transition tables on single-event triggers only,
-- so each table has an INSERT, an UPDATE and a DELETE trigger calling its function).
CREATE FUNCTION "funding_totals_on_contributions"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM "funding_totals_add_contributions"(-1, ARRAY(SELECT o::"project_contributions" FROM "old_rows" o)); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM "funding_totals_add_contributions"(1, ARRAY(SELECT n::"project_contributions" FROM "new_rows" n)); END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION "funding_totals_on_receipts"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM "funding_totals_add_receipts"(-1, ARRAY(SELECT o::"contribution_receipts" FROM "old_rows" o)); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM "funding_totals_add_receipts"(1, ARRAY(SELECT n::"contribution_receipts" FROM "new_rows" n)); END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION "funding_totals_on_ledger"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM "funding_totals_add_ledger"(-1, ARRAY(SELECT o::"fund_ledger" FROM "old_rows" o)); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM "funding_totals_add_ledger"(1, ARRAY(SELECT n::"fund_ledger" FROM "new_rows" n)); END IF;
  RETURN NULL;
END $$;

-- The totals attribute rows by these columns, which the application never changes: refuse to change them
-- rather than let the totals drift.
CREATE FUNCTION "funding_totals_fixed_columns"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%.% cannot change: the funding totals are kept by it', TG_TABLE_NAME, TG_ARGV[0];
END $$;

CREATE TRIGGER "project_contributions_funding_totals_insert" AFTER INSERT ON "project_contributions"
  REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "funding_totals_on_contributions"();
CREATE TRIGGER "project_contributions_funding_totals_update" AFTER UPDATE ON "project_contributions"
  REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "funding_totals_on_contributions"();
CREATE TRIGGER "project_contributions_funding_totals_delete" AFTER DELETE ON "project_contributions"
  REFERENCING OLD TABLE AS "old_rows" FOR EACH STATEMENT EXECUTE FUNCTION "funding_totals_on_contributions"();
CREATE TRIGGER "project_contributions_fixed_columns" BEFORE UPDATE OF "project_id", "kind" ON "project_contributions"
  FOR EACH ROW WHEN (OLD."project_id" IS DISTINCT FROM NEW."project_id" OR OLD."kind" IS DISTINCT FROM NEW."kind")
  EXECUTE FUNCTION "funding_totals_fixed_columns"('project_id or kind');

CREATE TRIGGER "contribution_receipts_funding_totals_insert" AFTER INSERT ON "contribution_receipts"
  REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "funding_totals_on_receipts"();
CREATE TRIGGER "contribution_receipts_funding_totals_update" AFTER UPDATE ON "contribution_receipts"
  REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "funding_totals_on_receipts"();
CREATE TRIGGER "contribution_receipts_funding_totals_delete" AFTER DELETE ON "contribution_receipts"
  REFERENCING OLD TABLE AS "old_rows" FOR EACH STATEMENT EXECUTE FUNCTION "funding_totals_on_receipts"();
CREATE TRIGGER "contribution_receipts_fixed_columns" BEFORE UPDATE OF "contribution_id" ON "contribution_receipts"
  FOR EACH ROW WHEN (OLD."contribution_id" IS DISTINCT FROM NEW."contribution_id")
  EXECUTE FUNCTION "funding_totals_fixed_columns"('contribution_id');

CREATE TRIGGER "fund_ledger_funding_totals_insert" AFTER INSERT ON "fund_ledger"
  REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "funding_totals_on_ledger"();
CREATE TRIGGER "fund_ledger_funding_totals_update" AFTER UPDATE ON "fund_ledger"
  REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "funding_totals_on_ledger"();
CREATE TRIGGER "fund_ledger_funding_totals_delete" AFTER DELETE ON "fund_ledger"
  REFERENCING OLD TABLE AS "old_rows" FOR EACH STATEMENT EXECUTE FUNCTION "funding_totals_on_ledger"();
CREATE TRIGGER "fund_ledger_fixed_columns" BEFORE UPDATE OF "project_id" ON "fund_ledger"
  FOR EACH ROW WHEN (OLD."project_id" IS DISTINCT FROM NEW."project_id")
  EXECUTE FUNCTION "funding_totals_fixed_columns"('project_id');

CREATE TRIGGER "projects_funding_totals_update" AFTER UPDATE ON "projects"
  REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "funding_totals_on_projects"();
CREATE TRIGGER "projects_fixed_columns" BEFORE UPDATE OF "commune_id" ON "projects"
  FOR EACH ROW WHEN (OLD."commune_id" IS DISTINCT FROM NEW."commune_id")
  EXECUTE FUNCTION "funding_totals_fixed_columns"('commune_id');

-- The existing rows (the triggers above hold their tables' locks until this migration commits, so no write
-- slips between this and them).
SELECT "funding_totals_rebuild"();

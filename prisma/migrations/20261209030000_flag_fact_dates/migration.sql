-- The newest facts win (issue 14 review): a flag remembers the date of the facts it stands on, and a change
-- dated before it is recorded but not applied.
--
-- village_criteria.facts_on: the day of the facts behind the flag's latest write: an assessment's assessed_on,
-- the day of a certification, a revocation or an import (in Vietnam). NULL for the seed's estimate (facts of no
-- date, replaced by any dated ones). Existing rows: a certification or an import on the day it was written; an
-- assessment on the date of the assessment whose change the flag last recorded, else the day it was written.
ALTER TABLE "village_criteria" ADD COLUMN "facts_on" DATE;
UPDATE "village_criteria" SET "facts_on" = ("updated_at" AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
 WHERE "source" IN ('certification', 'import');
UPDATE "village_criteria" vc SET "facts_on" = coalesce(
    (SELECT a."assessed_on"
       FROM "village_criterion_changes" x JOIN "assessments" a ON a."id" = x."cause_id"
      WHERE x."village_id" = vc."village_id" AND x."criterion_code" = vc."criterion_code" AND x."cause_kind" = 'assessment'
      ORDER BY x."at" DESC LIMIT 1),
    (vc."updated_at" AT TIME ZONE 'Asia/Ho_Chi_Minh')::date)
 WHERE vc."source" = 'assessment';

-- A change row now says the date of its cause's facts, and whether it was applied: a cause dated before the
-- flag's facts_on is kept as not applied (superseded_on: the date of the newer facts the flag kept).
-- from_met is NULL when the write created the flag (a village that had no flag rows).
ALTER TABLE "village_criterion_changes" ALTER COLUMN "from_met" DROP NOT NULL;
ALTER TABLE "village_criterion_changes" ADD COLUMN "facts_on" DATE;
ALTER TABLE "village_criterion_changes" ADD COLUMN "applied" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "village_criterion_changes" ADD COLUMN "superseded_on" DATE;
ALTER TABLE "village_criterion_changes" ADD CONSTRAINT "village_criterion_changes_superseded_check"
  CHECK ("applied" = ("superseded_on" IS NULL));

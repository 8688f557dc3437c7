-- The reports count criteria met per village in a scope (src/reports/reports.repository.ts): with met in the
-- index they read village_criteria by index-only scans instead of one heap page per flag (bench/reports.ts:
-- GET /reports/progress for one province of a national-size database, villageSummary 135 ms -> 12 ms).
-- CreateIndex
CREATE INDEX "village_criteria_village_id_criterion_code_met_idx" ON "village_criteria"("village_id", "criterion_code", "met");

-- Idempotency records expire after IDEMPOTENCY_TTL_HOURS: claiming a key deletes the expired ones, found by this
-- index (a range scan that finds nothing costs next to nothing).
-- CreateIndex
CREATE INDEX "idempotency_records_created_at_idx" ON "idempotency_records"("created_at");

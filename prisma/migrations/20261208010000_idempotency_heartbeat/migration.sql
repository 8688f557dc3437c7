-- A pending idempotency record is kept alive by the request that claimed it: a process killed mid-request (or a
-- request whose release of the key failed with the database) stops touching it, and a retry takes the key over
-- within seconds instead of waiting for the record to be minutes old.
-- AlterTable
ALTER TABLE "idempotency_records" ADD COLUMN "alive_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

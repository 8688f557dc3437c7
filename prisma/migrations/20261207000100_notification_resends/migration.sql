-- Email delivery becomes at least once: a message whose worker stopped between handing it to the server and
-- recording the answer is sent again with the same Message-ID, and counted here.
-- AlterTable
ALTER TABLE "notification_deliveries" ADD COLUMN "resends" INTEGER NOT NULL DEFAULT 0;

-- The status `unconfirmed` (given up on after a worker stopped mid-send) no longer exists. Rows left in it
-- were given up on and counted as failed when it happened, so they are failed; their note stays.
UPDATE "notification_deliveries" SET "status" = 'failed' WHERE "status" = 'unconfirmed';

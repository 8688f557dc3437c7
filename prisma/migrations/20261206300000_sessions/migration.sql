-- One table for every way of being signed in: the pages' cookie sessions and the API's bearer tokens. A token
-- names its row, so signing out or deactivating the user ends it at the next request, in every process.
-- CreateEnum
CREATE TYPE "SessionKind" AS ENUM ('WEB', 'API');

-- RenameTable
ALTER TABLE "web_sessions" RENAME TO "sessions";
ALTER TABLE "sessions" RENAME CONSTRAINT "web_sessions_pkey" TO "sessions_pkey";
ALTER TABLE "sessions" RENAME CONSTRAINT "web_sessions_user_id_fkey" TO "sessions_user_id_fkey";
ALTER INDEX "web_sessions_user_id_idx" RENAME TO "sessions_user_id_idx";
ALTER INDEX "web_sessions_expires_at_idx" RENAME TO "sessions_expires_at_idx";

-- AlterTable: an API session has no CSRF token (a bearer token is never sent by a browser on its own).
ALTER TABLE "sessions" ADD COLUMN "kind" "SessionKind" NOT NULL DEFAULT 'WEB';
ALTER TABLE "sessions" ALTER COLUMN "csrf_token" DROP NOT NULL;

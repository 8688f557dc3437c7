-- CreateTable
CREATE TABLE "workflow_instances" (
    "id" TEXT NOT NULL,
    "workflow_key" TEXT NOT NULL,
    "workflow_version" INTEGER NOT NULL,
    "subject_type" TEXT NOT NULL,
    "subject_id" TEXT NOT NULL,
    "unit_id" TEXT NOT NULL,
    "unit_path" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "snapshot" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "open" BOOLEAN NOT NULL DEFAULT true,
    "last_seq" INTEGER NOT NULL DEFAULT 0,
    "last_hash" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workflow_instances_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workflow_events" (
    "instance_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "actor_id" TEXT,
    "actor_role" TEXT NOT NULL,
    "actor_unit_id" TEXT,
    "payload" JSONB NOT NULL,
    "from_state" TEXT NOT NULL,
    "to_state" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "idempotency_key" TEXT,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "workflow_events_pkey" PRIMARY KEY ("instance_id","seq")
);

-- CreateTable
CREATE TABLE "workflow_timers" (
    "id" TEXT NOT NULL,
    "instance_id" TEXT NOT NULL,
    "send_id" TEXT NOT NULL,
    "deadline_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "event" JSONB NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "dispatched_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "settled_at" TIMESTAMPTZ(3),

    CONSTRAINT "workflow_timers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox" (
    "id" TEXT NOT NULL,
    "instance_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "queue" TEXT NOT NULL,
    "job" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dispatched_at" TIMESTAMPTZ(3),
    "done_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "user_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "status_code" INTEGER,
    "response_body" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("user_id","key")
);

-- CreateTable
CREATE TABLE "closed_days" (
    "day" DATE NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "closed_days_pkey" PRIMARY KEY ("day")
);

-- CreateIndex
CREATE INDEX "workflow_instances_workflow_key_open_state_idx" ON "workflow_instances"("workflow_key", "open", "state");

-- CreateIndex
CREATE UNIQUE INDEX "workflow_instances_subject_type_subject_id_key" ON "workflow_instances"("subject_type", "subject_id");

-- CreateIndex
CREATE UNIQUE INDEX "workflow_events_instance_id_idempotency_key_key" ON "workflow_events"("instance_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "workflow_timers_instance_id_send_id_idx" ON "workflow_timers"("instance_id", "send_id");

-- CreateIndex
CREATE INDEX "workflow_timers_status_due_at_idx" ON "workflow_timers"("status", "due_at");

-- CreateIndex
CREATE INDEX "outbox_status_created_at_idx" ON "outbox"("status", "created_at");

-- CreateIndex
CREATE INDEX "outbox_instance_id_idx" ON "outbox"("instance_id");

-- AddForeignKey
ALTER TABLE "workflow_events" ADD CONSTRAINT "workflow_events_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "workflow_instances"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workflow_timers" ADD CONSTRAINT "workflow_timers_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "workflow_instances"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "workflow_instances"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- History is append-only: no code path updates or deletes it, and the database refuses to.
CREATE FUNCTION "workflow_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'workflow_events is append-only';
END $$;
CREATE TRIGGER "workflow_events_no_update_delete" BEFORE UPDATE OR DELETE ON "workflow_events"
  FOR EACH ROW EXECUTE FUNCTION "workflow_events_append_only"();

-- Wake the relay (LISTEN ntm_relay) when an accepted event wrote timers or effects; delivered at commit.
CREATE FUNCTION "notify_relay"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ntm_relay', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER "outbox_notify_relay" AFTER INSERT ON "outbox" FOR EACH STATEMENT EXECUTE FUNCTION "notify_relay"();
CREATE TRIGGER "workflow_timers_notify_relay" AFTER INSERT ON "workflow_timers" FOR EACH STATEMENT EXECUTE FUNCTION "notify_relay"();

-- Every process keeps the sessions it has just looked up for a second (src/auth/sessions/session-cache.ts).
-- Whatever ends a session or changes who its user is (sign-out, deactivation, a role or unit changed, even by
-- hand in SQL) tells every process at commit, which then forgets what it kept.
CREATE FUNCTION "sessions_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ntm_sessions', TG_TABLE_NAME);
  RETURN NULL;
END $$;

-- Only when rows went: purging dead sessions at every sign-in usually deletes none.
CREATE FUNCTION "sessions_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM gone) THEN
    PERFORM pg_notify('ntm_sessions', TG_TABLE_NAME);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "sessions_notify_delete" AFTER DELETE ON "sessions"
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION "sessions_deleted"();

CREATE TRIGGER "users_notify_update" AFTER UPDATE OF "role", "unit_id", "active", "username", "full_name", "locale" ON "users"
  FOR EACH STATEMENT EXECUTE FUNCTION "sessions_changed"();

CREATE TRIGGER "units_notify_update" AFTER UPDATE OF "path", "name" ON "units"
  FOR EACH STATEMENT EXECUTE FUNCTION "sessions_changed"();

-- The engine's optimistic path (src/engine/engine.service.ts): a process that wrote an instance last keeps its
-- row and sends the next event's writes in one round trip, headed by this check. It locks the row and raises
-- SQLSTATE NT001 unless the instance is still at the version the process saw, so the transaction aborts and
-- the engine retries the usual way (lock, read, transition).
CREATE FUNCTION "engine_expect_version"(p_id TEXT, p_version INTEGER) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "workflow_instances" WHERE "id" = p_id AND "version" = p_version FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'workflow instance % is no longer at version %', p_id, p_version USING ERRCODE = 'NT001';
  END IF;
END
$$;

import { readFileSync } from 'node:fs';
import type pg from 'pg';

/** Linux's clock ticks per second for /proc/<pid>/stat (USER_HZ), 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a process has used, from /proc; undefined when unreadable. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Where a measured run's CPU went: the service's process, the PostgreSQL backends of the benchmark's database
 * and this process (the load generator), read from /proc before and after. Only on Linux with PostgreSQL on
 * this machine; otherwise `stop()` resolves undefined.
 */
export async function cpuSplit(pool: pg.Pool, servicePid: number) {
  const backends = async () =>
    (await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => r.pid);
  const sample = (pids: number[]) => new Map(pids.map((pid) => [pid, cpuSecondsOf(pid)]));
  const before = { service: cpuSecondsOf(servicePid), postgres: sample(await backends()), client: process.cpuUsage() };
  return {
    async stop(requests: number): Promise<{ service: number; postgres: number; client: number } | undefined> {
      const client = process.cpuUsage(before.client);
      const service = cpuSecondsOf(servicePid);
      const after = sample(await backends());
      if (before.service === undefined || service === undefined || ![...after.values()].some((v) => v !== undefined)) return undefined;
      let postgres = 0;
      // A backend that started during the run counts from zero; one that ended is not counted (none do here).
      for (const [pid, seconds] of after) postgres += (seconds ?? 0) - (before.postgres.get(pid) ?? 0);
      const perRequest = (seconds: number) => (seconds * 1000) / requests;
      return {
        service: perRequest(service - before.service),
        postgres: perRequest(postgres),
        client: perRequest((client.user + client.system) / 1e6),
      };
    },
  };
}

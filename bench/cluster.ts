/**
 * Benchmark row: the HTTP row's REVIEW_CRITERION load through a reverse proxy (Debian's nginx, run here with a
 * configuration of its own on a free port, as deploy/nginx.conf fronts the compose cluster) in front of one API
 * process, then of two, each beside the raw SQL rate of the same run; and the CPU each tier spent per request:
 * the proxy (nginx's master and worker), the API processes, PostgreSQL's backends of the database and the load
 * generator, from /proc. Without an nginx on PATH (or BENCH_NGINX) the row says so and is skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { cpuSecondsOf } from './cpu.js';
import { peaks, resetPeak } from './memory.js';
import { load1, type BenchProcess } from './processes.js';

export interface ClusterBenchContext {
  runs: number;
  seconds: number;
  warmupSeconds: number;
  pool: pg.Pool;
  /** Starts one `PROCESS_ROLE=api` process of the service on the HTTP row's database; resolves its port. */
  startApi(): Promise<BenchProcess & { port: number }>;
  /** The HTTP row's load against `base` for `seconds`: requests per second, and how many were not 200. */
  load(base: string, seconds: number): Promise<{ rate: number; requests: number; failures: number }>;
  /** The raw SQL figure of the same run, events per second. */
  raw(seconds: number): Promise<number>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function nginxBinary(): string | undefined {
  const candidate = process.env.BENCH_NGINX ?? 'nginx';
  return spawnSync(candidate, ['-v']).error ? undefined : candidate;
}

/** nginx in the foreground with one worker (the proxy's share of two cores), proxying to `ports`, keep-alive upstream. */
async function startNginx(binary: string, ports: number[]) {
  const dir = mkdtempSync(join(tmpdir(), 'ntm-bench-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const port = await freePort();
  const conf = `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream ntm_api { least_conn; ${ports.map((p) => `server 127.0.0.1:${p} max_fails=0;`).join(' ')} keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://ntm_api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Ready once it accepts a connection.
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`nginx did not start: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // The master and its worker: the worker is the master's child.
  const children = (): number[] => {
    try {
      return readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  return {
    base: `http://127.0.0.1:${port}`,
    pids: () => [child.pid!, ...children()],
    async stop() {
      child.kill('SIGQUIT');
      await exited;
    },
  };
}

/** CPU seconds of each tier between start and stop: PostgreSQL's backends of the pool's database, counted by pid. */
async function tierCpu(pool: pg.Pool, tiers: Record<string, number[]>) {
  const backends = async () =>
    (await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => r.pid);
  const sum = (pids: number[]) => pids.reduce((s, pid) => s + (cpuSecondsOf(pid) ?? 0), 0);
  const sample = async () => {
    const pg = new Map((await backends()).map((pid) => [pid, cpuSecondsOf(pid) ?? 0]));
    return { tiers: Object.fromEntries(Object.entries(tiers).map(([k, pids]) => [k, sum(pids)])), pg, client: process.cpuUsage() };
  };
  const before = await sample();
  return async (requests: number) => {
    const after = await sample();
    const perRequest = (seconds: number) => (seconds * 1000) / requests;
    let pgSeconds = 0;
    for (const [pid, s] of after.pg) pgSeconds += s - (before.pg.get(pid) ?? 0);
    const client = process.cpuUsage(before.client);
    return {
      ...Object.fromEntries(Object.keys(tiers).map((k) => [k, perRequest(after.tiers[k] - before.tiers[k])])),
      postgres: perRequest(pgSeconds),
      client: perRequest((client.user + client.system) / 1e6),
    } as Record<string, number>;
  };
}

export async function benchCluster(ctx: ClusterBenchContext) {
  const binary = nginxBinary();
  if (!binary) {
    console.error('cluster row skipped: no nginx on PATH (apt-get install nginx, or BENCH_NGINX=/path/to/nginx)');
    return { rows: [], memory: [] as string[] };
  }
  const rows: Record<string, string | number>[] = [];
  const memory: string[] = [];
  for (const apis of [1, 2]) {
    const servers = [];
    for (let i = 0; i < apis; i++) servers.push(await ctx.startApi());
    const proxy = await startNginx(
      binary,
      servers.map((s) => s.port),
    );
    await ctx.load(proxy.base, ctx.warmupSeconds);
    await ctx.raw(ctx.warmupSeconds);
    for (const pid of [...proxy.pids(), ...servers.map((s) => s.pid)]) resetPeak(pid);
    const rates: number[] = [];
    const raws: number[] = [];
    const cpus: Record<string, number>[] = [];
    const loads: string[] = [];
    let failures = 0;
    for (let run = 0; run < ctx.runs; run++) {
      const load = load1();
      loads.push(load);
      const stop = await tierCpu(ctx.pool, { proxy: proxy.pids(), api: servers.map((s) => s.pid) });
      const result = await ctx.load(proxy.base, ctx.seconds);
      const cpu = await stop(result.requests);
      const raw = await ctx.raw(ctx.seconds);
      failures += result.failures;
      rates.push(result.rate);
      raws.push(raw);
      cpus.push(cpu);
      console.error(
        `through nginx, ${apis} API: run ${run + 1}/${ctx.runs}: HTTP ${Math.round(result.rate)}/s, raw SQL ${Math.round(raw)}/s; CPU per request: nginx ${cpu.proxy.toFixed(2)} ms, API ${cpu.api.toFixed(2)} ms, PostgreSQL ${cpu.postgres.toFixed(2)} ms, load generator ${cpu.client.toFixed(2)} ms (load ${load})`,
      );
    }
    memory.push(
      `through nginx, ${apis} API: ${peaks([
        ...proxy.pids().map((pid, i) => ({ name: i === 0 ? 'nginx master' : 'nginx worker', pid })),
        ...servers.map((s, i) => ({ name: `api-${i + 1}`, pid: s.pid })),
      ])}`,
    );
    await proxy.stop();
    for (const s of servers) await s.stop();
    const m = (k: string) => median(cpus.map((c) => c[k])).toFixed(2);
    rows.push({
      measure: `REVIEW_CRITERION through nginx, ${apis} API process${apis > 1 ? 'es' : ''}`,
      engine: Math.round(median(rates)),
      'raw SQL': Math.round(median(raws)),
      ratio: (median(rates) / median(raws)).toFixed(2),
      goal: `CPU ms/request: nginx ${m('proxy')}, API ${m('api')}, PostgreSQL ${m('postgres')}, client ${m('client')}${failures ? `; ${failures} not 200` : ''}`,
      load: loads.join(' '),
    });
  }
  return { rows, memory };
}

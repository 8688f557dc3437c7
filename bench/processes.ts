import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The Node.js flags `npm start` runs the service with (package.json's start script), so a measured process runs
 * as deployed, plus BENCH_SERVER_ARGS.
 */
export function startFlags(): string[] {
  const start = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')).scripts.start as string;
  return [
    ...start.split(/\s+/).filter((token) => token.startsWith('--')),
    ...(process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? []),
  ];
}

export interface BenchProcess {
  pid: number;
  /** The first line of its output that `ready` matched. */
  line: string;
  stop(): Promise<void>;
}

/** Runs a built bench/ script (`server.js`, `worker.js`) as a process of its own, resolved once it prints a line `ready` matches. */
export async function startProcess(script: string, env: NodeJS.ProcessEnv, ready: (line: string) => boolean): Promise<BenchProcess> {
  const child = spawn(process.execPath, [...startFlags(), join(here, script)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const found = buffered.split('\n').find(ready);
      if (found !== undefined) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(found);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    pid: child.pid!,
    line,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** os.loadavg()'s one-minute figure, rounded for a log line. */
export const load1 = () => os.loadavg()[0].toFixed(2);

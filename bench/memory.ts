import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Peak resident memory of a process, from Linux's /proc: VmHWM is the highest RSS since the process started or
 * since `resetPeak`, in MB; undefined where /proc cannot be read.
 */
export function peakRssMb(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Starts a process's peak RSS again from its current RSS (writing 5 to clear_refs, Linux 4.0+), so a row's peak is its own. */
export function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not allowed: the peak then counts from the process's start.
  }
}

/** One line of peaks, e.g. "api-1 182 MB, nginx 6 MB". */
export function peaks(processes: { name: string; pid: number }[]): string {
  return processes
    .map(({ name, pid }) => {
      const mb = peakRssMb(pid);
      return `${name} ${mb === undefined ? '?' : Math.round(mb)} MB`;
    })
    .join(', ');
}

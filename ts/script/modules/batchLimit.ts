/**
 * How many requests of one `http.batch` run at once: at most `batch` in all and `batchPerHost`
 * to one host (k6's options, defaults 20 and 6; lib/netext/httpext/batch.go). As k6 does, a
 * fixed number of workers take the requests in order; a per-host limit of 0 means none.
 */

export interface BatchLimits {
  batch: number;
  batchPerHost: number;
}

/** Runs `jobs` (each with the host it goes to) within `limits`; results in the order given. */
export async function runBatch<T>(jobs: Array<{ host: string; run: () => Promise<T> }>, limits: BatchLimits): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  const busy = new Map<string, number>();
  const waiting = new Map<string, Array<() => void>>();
  const enter = async (host: string) => {
    if (limits.batchPerHost === 0) return;
    while ((busy.get(host) ?? 0) >= limits.batchPerHost) {
      await new Promise<void>((resolve) => {
        const queue = waiting.get(host) ?? [];
        queue.push(resolve);
        waiting.set(host, queue);
      });
    }
    busy.set(host, (busy.get(host) ?? 0) + 1);
  };
  const leave = (host: string) => {
    if (limits.batchPerHost === 0) return;
    busy.set(host, (busy.get(host) ?? 1) - 1);
    waiting.get(host)?.shift()?.();
  };
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i];
      await enter(job.host);
      try {
        results[i] = await job.run();
      } finally {
        leave(job.host);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limits.batch, jobs.length) }, worker));
  return results;
}

// autocannon (a maintained HTTP load generator) behind a small typed wrapper.
import { createRequire } from "node:module";
import { median } from "~/ml/metrics";
import { cpuSeconds } from "./processes";

type Histogram = { average: number; p50: number; p99: number; max: number };
export type AutocannonResult = {
  requests: Histogram & { total: number };
  latency: Histogram;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
};
export type AutocannonOptions = {
  url: string;
  connections: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Seconds before a request counts as a timeout error (autocannon's default is 10). */
  timeout?: number;
  /** Requests per second over all connections (fixed-rate runs). */
  overallRate?: number;
};
/**
 * autocannon's programmatic API with the options and results this project uses, typed. The
 * promise it returns is also its event emitter: "response" gives each answer's status and its
 * latency in fractional milliseconds.
 */
export const autocannon = createRequire(import.meta.url)("autocannon") as (
  opts: AutocannonOptions,
) => Promise<AutocannonResult> & {
  on(
    event: "response",
    listener: (client: unknown, status: number, bytes: number, ms: number) => void,
  ): void;
};

/**
 * Percentiles of fractional-millisecond latencies (nearest rank, as HdrHistogram reports);
 * NaN without a single answer, so no goal reads as met on nothing. autocannon's own histogram
 * truncates to whole milliseconds (ADR 0065).
 */
export function latencyPercentiles(ms: readonly number[]): LoadResult["latency_ms"] {
  const sorted = Float64Array.from(ms).sort();
  const n = sorted.length;
  const at = (p: number) => (n ? sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)] : NaN);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    p50: round(at(50)),
    p99: round(at(99)),
    mean: round(n ? sorted.reduce((a, b) => a + b, 0) / n : NaN),
    max: round(n ? sorted[n - 1] : NaN),
  };
}

export type LoadResult = {
  connections: number;
  duration_s: number;
  requests: number;
  req_per_s: number;
  latency_ms: { p50: number; p99: number; mean: number; max: number };
  errors: number;
  non_2xx: number;
  statuses: Record<string, number>;
  /** Server CPU time (all threads) per completed request, when the server pid is known. */
  cpu_us_per_request: number | null;
};

export type LoadSpec = Omit<AutocannonOptions, "duration"> & {
  seconds: number;
  warmupSeconds?: number;
  /** The server's pid, to measure its CPU time during the measured run. */
  pid?: number;
};

/** A short warm-up (JIT, connection set-up) and then the measured run. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const { seconds, warmupSeconds = 2, pid, ...opts } = spec;
  opts.timeout ??= 30;
  if (warmupSeconds > 0) await autocannon({ ...opts, duration: warmupSeconds });
  const cpuBefore = pid ? cpuSeconds(pid) : 0;
  const run = autocannon({ ...opts, duration: seconds });
  // Only 2xx answers, like autocannon's histogram. Fixed-rate runs too: autocannon's
  // coordinated-omission correction there assumes a 1 ms interval between requests whatever
  // the rate, which turns one slow answer into many (ADR 0065).
  const latencies: number[] = [];
  run.on("response", (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const r = await run;
  const cpu = pid ? cpuSeconds(pid) - cpuBefore : undefined;
  return {
    connections: opts.connections,
    duration_s: r.duration,
    requests: r.requests.total,
    // Completed requests over the measured time (autocannon's per-second average drops the
    // partial last second).
    req_per_s: r.requests.total / r.duration,
    latency_ms: latencyPercentiles(latencies),
    errors: r.errors + r.timeouts,
    non_2xx: r.non2xx,
    statuses: Object.fromEntries(
      Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, Number(s.count)]),
    ),
    cpu_us_per_request: cpu === undefined ? null : (cpu * 1e6) / Math.max(1, r.requests.total),
  };
}

/**
 * Several scenarios measured in alternating rounds (A B A B A B), so a busy neighbour on a
 * shared machine slows all of them alike. Each scenario's result is the median round (req/s,
 * latency, CPU per request); `rounds[i][s]` keeps every round for per-round ratios. `groups`
 * lists spec indexes that run at the same time (e.g. a load and a probe beside it); by
 * default each spec runs alone.
 */
export async function runInterleaved(
  specs: LoadSpec[],
  rounds: number,
  groups: number[][] = specs.map((_, i) => [i]),
): Promise<{ results: LoadResult[]; rounds: LoadResult[][] }> {
  const all: LoadResult[][] = [];
  for (let r = 0; r < rounds; r++) {
    const round: LoadResult[] = new Array(specs.length);
    for (const group of groups) {
      const results = await Promise.all(
        group.map((i) => runLoad({ ...specs[i], warmupSeconds: r ? 1 : 2 })),
      );
      group.forEach((i, k) => (round[i] = results[k]));
    }
    all.push(round);
  }
  const results = specs.map((_, s) => {
    const runs = all.map((round) => round[s]);
    const pick = (f: (x: LoadResult) => number) => median(runs.map(f));
    const cpu = runs.map((x) => x.cpu_us_per_request).filter((x): x is number => x !== null);
    return {
      ...runs[0],
      duration_s: runs.reduce((a, x) => a + x.duration_s, 0),
      requests: runs.reduce((a, x) => a + x.requests, 0),
      req_per_s: pick((x) => x.req_per_s),
      latency_ms: {
        p50: pick((x) => x.latency_ms.p50),
        p99: pick((x) => x.latency_ms.p99),
        mean: pick((x) => x.latency_ms.mean),
        max: Math.max(...runs.map((x) => x.latency_ms.max)),
      },
      errors: runs.reduce((a, x) => a + x.errors, 0),
      non_2xx: runs.reduce((a, x) => a + x.non_2xx, 0),
      statuses: runs.reduce<Record<string, number>>((acc, x) => {
        for (const [k, v] of Object.entries(x.statuses)) acc[k] = (acc[k] ?? 0) + v;
        return acc;
      }, {}),
      cpu_us_per_request: cpu.length ? median(cpu) : null,
    };
  });
  return { results, rounds: all };
}

// autocannon (a maintained HTTP load generator) behind a small typed wrapper.
import { createRequire } from "node:module";
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
/** autocannon's programmatic API with the options and results this project uses, typed. */
export const autocannon = createRequire(import.meta.url)("autocannon") as (
  opts: AutocannonOptions,
) => Promise<AutocannonResult>;

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
  const r = await autocannon({ ...opts, duration: seconds });
  const cpu = pid ? cpuSeconds(pid) - cpuBefore : undefined;
  return {
    connections: opts.connections,
    duration_s: r.duration,
    requests: r.requests.total,
    // Completed requests over the measured time (autocannon's per-second average drops the
    // partial last second).
    req_per_s: r.requests.total / r.duration,
    latency_ms: {
      p50: r.latency.p50,
      p99: r.latency.p99,
      mean: r.latency.average,
      max: r.latency.max,
    },
    errors: r.errors + r.timeouts,
    non_2xx: r.non2xx,
    statuses: Object.fromEntries(
      Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, Number(s.count)]),
    ),
    cpu_us_per_request: cpu === undefined ? null : (cpu * 1e6) / Math.max(1, r.requests.total),
  };
}

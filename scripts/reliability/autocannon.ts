import { autocannon } from "../bench/load";

// autocannon (the maintained load generator the benchmark uses, see scripts/bench/load.ts)
// with the one option the reliability runs add: a fixed overall request rate.

export type LoadResult = {
  seconds: number;
  requests: number;
  req_per_s: number;
  /** Socket errors + timeouts + non-2xx answers: anything a client would see as a failure. */
  failures: number;
  p50_ms: number;
  p99_ms: number;
};

export type LoadOptions = {
  url: string;
  body: string;
  headers: Record<string, string>;
  seconds: number;
  connections: number;
  /** Requests per second over all connections; undefined = as fast as possible. */
  rate?: number;
};

export async function load(o: LoadOptions): Promise<LoadResult> {
  const r = await autocannon({
    url: o.url,
    method: "POST",
    headers: o.headers,
    body: o.body,
    connections: o.connections,
    duration: o.seconds,
    overallRate: o.rate,
    timeout: 10,
  });
  return {
    seconds: r.duration,
    requests: r.requests.total,
    req_per_s: Math.round(r.requests.total / r.duration),
    failures: r.errors + r.timeouts + r.non2xx,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
  };
}

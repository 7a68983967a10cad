import { load, type LoadResult } from "./autocannon";
import { PREDICT_PATH, VALID_RECORD } from "./requests";
import { rssMb } from "./rss";

/**
 * Soak: measure the maximum single-row prediction rate briefly, then hold ~80% of it —
 * a warm-up, then the measured run — sampling the server's RSS every second. Passes when
 * no request failed and RSS grew < 10% from the end of warm-up to the end of the run.
 */
export type SoakOptions = {
  url: string;
  pid: number;
  apiKey: string;
  measureSeconds: number;
  warmupSeconds: number;
  seconds: number;
  fraction?: number;
  connections?: number;
};

export type SoakFigures = {
  max_req_per_s: number;
  target_req_per_s: number;
  warmup: LoadResult;
  run: LoadResult;
  rss_mb: { after_warmup: number; end: number; peak: number; growth_pct: number };
};

export async function runSoak(o: SoakOptions): Promise<SoakFigures> {
  const common = {
    url: `${o.url}${PREDICT_PATH}`,
    body: JSON.stringify({ records: [VALID_RECORD] }),
    headers: { "Content-Type": "application/json", "X-API-Key": o.apiKey },
    connections: o.connections ?? 16,
  };
  await load({ ...common, seconds: 2 }); // cold start (JIT, sockets) must not lower the maximum
  const max = await load({ ...common, seconds: o.measureSeconds });
  const target = Math.max(1, Math.round(max.req_per_s * (o.fraction ?? 0.8)));
  const warmup = await load({ ...common, seconds: o.warmupSeconds, rate: target });
  const start = rssMb(o.pid);
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(o.pid))), 1000);
  let run: LoadResult;
  try {
    run = await load({ ...common, seconds: o.seconds, rate: target });
  } finally {
    clearInterval(sampler);
  }
  const end = rssMb(o.pid);
  peak = Math.max(peak, end);
  return {
    max_req_per_s: max.req_per_s,
    target_req_per_s: target,
    warmup,
    run,
    rss_mb: {
      after_warmup: start,
      end,
      peak,
      growth_pct: Math.round(((end - start) / start) * 1000) / 10,
    },
  };
}

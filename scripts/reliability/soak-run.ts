import { median } from "~/ml/metrics";
import { load, type LoadResult } from "./autocannon";
import { PREDICT_PATH, VALID_RECORD } from "./requests";
import { rssMb } from "./rss";

/**
 * Soak: measure the maximum single-row prediction rate briefly, then hold ~80% of it —
 * a warm-up, then the measured run — sampling the server's RSS twice a second. Passes when
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
  rss_mb: { after_warmup: number; samples: number; end: number; peak: number; growth_pct: number };
};

const WINDOW_MS = 5_000;

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
  // RSS every 500 ms through warm-up and run; start and end are medians over 5 s windows
  // (the last of the warm-up, the last of the run), so one GC sawtooth does not decide.
  const samples: { t: number; mb: number; phase: "warmup" | "run" }[] = [];
  let phase: "warmup" | "run" = "warmup";
  const sampler = setInterval(() => samples.push({ t: Date.now(), mb: rssMb(o.pid), phase }), 500);
  let warmup: LoadResult;
  let run: LoadResult;
  try {
    warmup = await load({ ...common, seconds: o.warmupSeconds, rate: target });
    phase = "run";
    run = await load({ ...common, seconds: o.seconds, rate: target });
  } finally {
    clearInterval(sampler);
  }
  const window = (p: "warmup" | "run") => {
    const inPhase = samples.filter((s) => s.phase === p);
    const last = inPhase.at(-1)?.t ?? 0;
    return median(inPhase.filter((s) => s.t > last - WINDOW_MS).map((s) => s.mb));
  };
  const start = window("warmup");
  const end = window("run");
  const peak = Math.max(...samples.map((s) => s.mb));
  return {
    max_req_per_s: max.req_per_s,
    target_req_per_s: target,
    warmup,
    run,
    rss_mb: {
      after_warmup: start,
      samples: samples.length,
      end,
      peak,
      growth_pct: Math.round(((end - start) / start) * 1000) / 10,
    },
  };
}

// Same-run A/B of the single-row latency tail (ADR 0065): `npx tsx scripts/bench/tail.ts
// --roots .cache/base,. [--rounds 3] [--seconds 8]`. Roots as in memory.ts (build/,
// server-build/, public/ beside models/, data/, node_modules/), alternating A B B A … so a
// neighbour's burst lands on both. Per root and round: one app, /healthz then single full
// records, 32 connections each, the bench's p50/p99 in fractional milliseconds (load.ts).
import { parseArgs } from "node:util";
import { loadRecords, resample } from "./data";
import { median } from "~/ml/metrics";
import { runLoad, type LoadResult } from "./load";
import { BENCH_API_KEY, predictRequest, startApp } from "./processes";
import { roundOrder, VARIANT_OPTIONS, variants } from "./variants";

const { values } = parseArgs({
  options: {
    ...VARIANT_OPTIONS,
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "8" },
    connections: { type: "string", default: "32" },
  },
});
const builds = variants(values);
const single = JSON.stringify({ records: resample(loadRecords("data/ames.csv"), 1, 7) });
const connections = Number(values.connections);
const seconds = Number(values.seconds);

async function measure(i: number) {
  const { root, nodeArgs, env } = builds[i];
  const app = await startApp(root, {
    apiKey: BENCH_API_KEY,
    nodeArgs,
    env,
  });
  try {
    const pid = app.proc.pid!;
    const healthz = await runLoad({ url: `${app.url}/healthz`, connections, seconds, pid });
    const predict = await runLoad({
      ...predictRequest(app.url, single),
      connections,
      seconds,
      pid,
    });
    // A wrong key, a 503 or a crash would leave no answers to measure (NaN percentiles).
    for (const r of [healthz, predict]) {
      if (r.non_2xx > 0 || r.errors > 0 || r.requests === 0) {
        throw new Error(`${builds[i].label}: ${JSON.stringify(r.statuses)}, ${r.errors} errors`);
      }
    }
    return { healthz, predict };
  } finally {
    await app.stop();
  }
}

const line = (r: LoadResult) =>
  `${Math.round(r.req_per_s)} req/s p50 ${r.latency_ms.p50.toFixed(2)} p99 ` +
  `${r.latency_ms.p99.toFixed(2)} (${(r.latency_ms.p99 / r.latency_ms.p50).toFixed(2)}×) ` +
  `max ${r.latency_ms.max.toFixed(1)} ms, ${Math.round(r.cpu_us_per_request ?? 0)} µs/req`;

const results: Awaited<ReturnType<typeof measure>>[][] = builds.map(() => []);
for (let round = 0; round < Number(values.rounds); round++) {
  for (const i of roundOrder(builds.length, round)) {
    const r = await measure(i);
    results[i].push(r);
    console.log(`round ${round + 1} ${builds[i].label}`);
    console.log(`  /healthz ${line(r.healthz)}`);
    console.log(`  predict  ${line(r.predict)}`);
  }
}
for (const i of builds.keys()) {
  const ratios = (k: "healthz" | "predict") =>
    results[i].map((r) => r[k].latency_ms.p99 / r[k].latency_ms.p50);
  const p = (k: "healthz" | "predict", q: "p50" | "p99") =>
    median(results[i].map((r) => r[k].latency_ms[q])).toFixed(2);
  console.log(
    `${builds[i].label}: predict p50 ${p("predict", "p50")} p99 ${p("predict", "p99")} ` +
      `ratio median ${median(ratios("predict")).toFixed(2)} [${ratios("predict")
        .map((x) => x.toFixed(2))
        .join(" ")}]; ` +
      `/healthz ratio median ${median(ratios("healthz")).toFixed(2)} [${ratios("healthz")
        .map((x) => x.toFixed(2))
        .join(" ")}]`,
  );
}

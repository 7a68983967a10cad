// Same-run A/B of two builds' memory (ADR 0048): `npx tsx scripts/bench/memory.ts --roots
// .cache/base,. [--rounds 2] [--seconds 6] [--what app,cli]`. Each root is a folder holding
// build/, server-build/ and public/ (plus models/, data/, node_modules/). Rounds alternate the
// roots (A B B A …) so a neighbour's burst lands on both. Per root and round: the app's RSS
// after /readyz, its first 1,000-row request, 1,000-row batches (rows/s, CPU per request,
// /healthz beside them), single rows (CPU per request), a 10,000-row upload, peak RSS; and
// the batch CLI on generated rows (rows/s, peak RSS, output sha256: byte-identical or not).
import os from "node:os";
import { parseArgs } from "node:util";
import { measureBatchCli } from "./batch-cli";
import { loadRecords, resample, resampleCsv } from "./data";
import { median } from "~/ml/metrics";
import { runLoad } from "./load";
import { BENCH_API_KEY, predictRequest, rssMiB, startApp } from "./processes";
import { measureUpload } from "./upload";
import { roundOrder, VARIANT_OPTIONS, variants } from "./variants";

const { values } = parseArgs({
  options: {
    ...VARIANT_OPTIONS,
    rounds: { type: "string", default: "2" },
    seconds: { type: "string", default: "6" },
    /** Warm-up before the measured batches (s): long enough that a thread's start is not in it. */
    warmup: { type: "string", default: "2" },
    what: { type: "string", default: "app,cli" },
    "cli-rows": { type: "string", default: "200000" },
    "cli-args": { type: "string", default: "" },
  },
});
const builds = variants(values);
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const what = new Set(values.what.split(","));
const log = (m: string) => process.stdout.write(`${m}\n`);

const records = loadRecords("data/ames.csv");
const single = JSON.stringify({ records: resample(records, 1, 7) });
const batch = JSON.stringify({ records: resample(records, 1000, 42) });
const uploadCsv = resampleCsv("data/ames.csv", 10_000, 11);

type AppFigures = Record<string, number>;

async function measureApp(
  root: string,
  args: string[],
  env: Record<string, string>,
): Promise<AppFigures> {
  const app = await startApp(root, { apiKey: BENCH_API_KEY, nodeArgs: args, env });
  const pid = app.proc.pid!;
  const idle = rssMiB(pid).rss;
  await new Promise((r) => setTimeout(r, 2000));
  const idle2s = rssMiB(pid).rss;
  const t0 = performance.now();
  const request = predictRequest(app.url, batch);
  const first = await fetch(request.url, request);
  await first.arrayBuffer();
  const firstBatchMs = performance.now() - t0;
  const [many, probe] = await Promise.all([
    runLoad({
      ...request,
      connections: 4,
      seconds: SECONDS,
      warmupSeconds: Number(values.warmup),
      pid,
    }),
    runLoad({ url: `${app.url}/healthz`, connections: 1, overallRate: 50, seconds: SECONDS }),
  ]);
  const afterBatches = rssMiB(pid).rss;
  const one = await runLoad({
    ...predictRequest(app.url, single),
    connections: 32,
    seconds: SECONDS,
    pid,
  });
  const upload = await measureUpload(app, uploadCsv, 2);
  const { rss: end, peak } = rssMiB(pid);
  await app.stop();
  return {
    idle_rss: idle,
    idle_rss_2s: idle2s,
    first_batch_ms: firstBatchMs,
    batch_rows_s: many.req_per_s * 1000,
    batch_cpu_ms_req: (many.cpu_us_per_request ?? NaN) / 1000,
    batch_p99_ms: many.latency_ms.p99,
    healthz_probe_p99_ms: probe.latency_ms.p99,
    rss_after_batches: afterBatches,
    single_req_s: one.req_per_s,
    single_cpu_us_req: one.cpu_us_per_request ?? NaN,
    upload_ms: upload.upload_ms,
    upload_loop_delay_ms: upload.event_loop_delay_max_ms,
    end_rss: end,
    peak_rss: peak,
    errors: many.errors + many.non_2xx + one.errors + one.non_2xx + probe.errors,
  };
}

async function measureCli(
  root: string,
  rows: number,
  nodeArgs: string[],
  env: Record<string, string>,
): Promise<AppFigures> {
  const cliArgs = values["cli-args"] ? values["cli-args"].split(" ") : [];
  const run = await measureBatchCli(root, rows, { nodeArgs, cliArgs, env, hash: true });
  return {
    cli_rows_s: run.rows_per_s,
    cli_max_rss: run.peak_rss_mib,
    cli_wall_s: run.wall_s,
    cli_cpu_us_row: run.cpu_us_per_row,
    cli_out_sha: run.out_sha!,
    cli_err_sha: run.err_sha!,
  };
}

const results: AppFigures[][] = builds.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (const i of roundOrder(builds.length, r)) {
    const { root, nodeArgs, env, label } = builds[i];
    const figures: AppFigures = {};
    if (what.has("app")) Object.assign(figures, await measureApp(root, nodeArgs, env));
    if (what.has("cli")) {
      Object.assign(figures, await measureCli(root, Number(values["cli-rows"]), nodeArgs, env));
    }
    log(`round ${r + 1} ${label}: ${JSON.stringify(figures)}`);
    results[i].push(figures);
  }
}
log(`\nmedians (load ${os.loadavg()[0].toFixed(1)}):`);
const names = builds.map((b, i) => `${i}: ${b.label}`);
names.forEach((n) => log(`  ${n}`));
const keys = Object.keys(results[0][0]);
log(
  `| figure | ${names.map((_, i) => i).join(" | ")} | ${names
    .slice(1)
    .map((_, i) => `${i + 1}/0`)
    .join(" | ")} |`,
);
for (const k of keys) {
  if (k.endsWith("sha")) {
    // A hash has no median: one value per root when its rounds agree.
    const hashes = results.map((rs) => new Set(rs.map((x) => x[k].toString(16))));
    log(`| ${k} | ${hashes.map((h) => (h.size === 1 ? [...h][0] : "varies")).join(" | ")} |`);
    continue;
  }
  const m = results.map((rs) => median(rs.map((x) => x[k])));
  const fmt = (v: number) => v.toFixed(1);
  log(
    `| ${k} | ${m.map(fmt).join(" | ")} | ${m
      .slice(1)
      .map((v) => (v / m[0]).toFixed(2))
      .join(" | ")} |`,
  );
}

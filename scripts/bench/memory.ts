// Same-run A/B of two builds' memory (ADR 0048): `npx tsx scripts/bench/memory.ts --roots
// .cache/base,. [--rounds 2] [--seconds 6] [--what app,cli]`. Each root is a folder holding
// build/, server-build/ and public/ (plus models/, data/, node_modules/). Rounds alternate the
// roots (A B B A …) so a neighbour's burst lands on both. Per root and round: the app's RSS
// after /readyz, its first 1,000-row request, 1,000-row batches (rows/s, CPU per request,
// /healthz beside them), single rows (CPU per request), a 10,000-row upload, peak RSS; and
// the batch CLI on generated rows (rows/s, peak RSS, output sha256: byte-identical or not).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { generateCsv } from "../batch/generate";
import { loadRecords, resample, resampleCsv } from "./data";
import { median, runLoad } from "./load";
import { rssMiB, startApp } from "./processes";
import { measureUpload } from "./upload";

const { values } = parseArgs({
  options: {
    roots: { type: "string", default: ".cache/base,." },
    rounds: { type: "string", default: "2" },
    seconds: { type: "string", default: "6" },
    /** Warm-up before the measured batches (s): long enough that a thread's start is not in it. */
    warmup: { type: "string", default: "2" },
    what: { type: "string", default: "app,cli" },
    "cli-rows": { type: "string", default: "200000" },
    "cli-args": { type: "string", default: "" },
    /** Extra node flags per root, `|`-separated in the order of --roots (e.g. "|--foo"). */
    "node-args": { type: "string", default: "" },
    /** Extra environment per root, `|`-separated like --node-args, each `K=V,K=V`. */
    env: { type: "string", default: "" },
  },
});
const roots = values.roots.split(",").map((r) => path.resolve(r));
const nodeArgs = values["node-args"].split("|").map((a) => (a ? a.split(" ") : []));
const envs = values.env
  .split("|")
  .map((e) => Object.fromEntries(e ? e.split(",").map((kv) => kv.split("=")) : []));
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const what = new Set(values.what.split(","));
const API_KEY = "bench_key_0123456789abcdefghijkl";
const log = (m: string) => process.stdout.write(`${m}\n`);

const records = loadRecords("data/ames.csv");
const single = JSON.stringify({ records: resample(records, 1, 7) });
const batch = JSON.stringify({ records: resample(records, 1000, 42) });
const uploadCsv = resampleCsv("data/ames.csv", 10_000, 11);
const post = (url: string, body: string) => ({
  url: `${url}/api/v1/predict`,
  method: "POST",
  headers: { "Content-Type": "application/json", "X-API-Key": API_KEY },
  body,
});

type AppFigures = Record<string, number>;

async function measureApp(
  root: string,
  args: string[],
  env: Record<string, string>,
): Promise<AppFigures> {
  const app = await startApp(root, { apiKey: API_KEY, nodeArgs: args, env });
  const pid = app.proc.pid!;
  const idle = rssMiB(pid).rss;
  await new Promise((r) => setTimeout(r, 2000));
  const idle2s = rssMiB(pid).rss;
  const t0 = performance.now();
  const first = await fetch(post(app.url, batch).url, post(app.url, batch));
  await first.arrayBuffer();
  const firstBatchMs = performance.now() - t0;
  const [many, probe] = await Promise.all([
    runLoad({
      ...post(app.url, batch),
      connections: 4,
      seconds: SECONDS,
      warmupSeconds: Number(values.warmup),
      pid,
    }),
    runLoad({ url: `${app.url}/healthz`, connections: 1, overallRate: 50, seconds: SECONDS }),
  ]);
  const afterBatches = rssMiB(pid).rss;
  const one = await runLoad({ ...post(app.url, single), connections: 32, seconds: SECONDS, pid });
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

/** User + system CPU seconds of this process's waited-for children (/proc/self/stat). */
function childrenCpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime
}

async function cliInput(rows: number): Promise<string> {
  const dir = path.join(os.tmpdir(), "bench-batch-cli");
  await mkdir(dir, { recursive: true });
  const input = path.join(dir, `in-${rows}.csv`);
  if (!existsSync(input)) await generateCsv(input, { source: "data/ames.csv", rows, seed: 3 });
  return input;
}

async function measureCli(
  root: string,
  rows: number,
  args: string[],
  env: Record<string, string>,
): Promise<AppFigures> {
  const input = await cliInput(rows);
  const out = path.join(os.tmpdir(), `mem-ab-${process.pid}.csv`);
  const errors = `${out}.errors.csv`;
  const cli = [path.join(root, "server-build/predict-batch.js"), "--input", input];
  cli.push("--output", out, "--errors", errors, "--progress", "never");
  if (values["cli-args"]) cli.push(...values["cli-args"].split(" "));
  const started = performance.now();
  const cpuBefore = childrenCpuSeconds();
  const stdout = await new Promise<string>((resolve, reject) => {
    const proc = spawn(process.execPath, [...args, ...cli], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let text = "";
    proc.stdout.on("data", (c: Buffer) => (text += c.toString()));
    proc.once("error", reject);
    proc.once("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}`))));
  });
  const wall = (performance.now() - started) / 1000;
  const cpu = childrenCpuSeconds() - cpuBefore;
  const summary = JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, number>;
  const sha = (f: string) =>
    parseInt(createHash("sha256").update(readFileSync(f)).digest("hex").slice(0, 12), 16);
  const result = {
    cli_rows_s: summary.rows_per_second,
    cli_max_rss: summary.max_rss_mb,
    cli_wall_s: wall,
    /** CPU of the whole run (model load included) per row: robust to neighbours. */
    cli_cpu_us_row: (cpu * 1e6) / rows,
    cli_out_sha: sha(out),
    cli_err_sha: sha(errors),
  };
  await rm(out, { force: true });
  await rm(errors, { force: true });
  return result;
}

const results: AppFigures[][] = roots.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? roots.map((_, i) => i) : roots.map((_, i) => i).reverse();
  for (const i of order) {
    const figures: AppFigures = {};
    if (what.has("app"))
      Object.assign(figures, await measureApp(roots[i], nodeArgs[i] ?? [], envs[i] ?? {}));
    if (what.has("cli")) {
      Object.assign(
        figures,
        await measureCli(roots[i], Number(values["cli-rows"]), nodeArgs[i] ?? [], envs[i] ?? {}),
      );
    }
    log(`round ${r + 1} ${path.relative(".", roots[i]) || "."}: ${JSON.stringify(figures)}`);
    results[i].push(figures);
  }
}
log(`\nmedians (load ${os.loadavg()[0].toFixed(1)}):`);
const names = roots.map(
  (r, i) => `${i}: ${path.relative(".", r) || "."} ${values.env.split("|")[i] ?? ""}`,
);
names.forEach((n) => log(`  ${n}`));
const keys = Object.keys(results[0][0]);
log(
  `| figure | ${names.map((_, i) => i).join(" | ")} | ${names
    .slice(1)
    .map((_, i) => `${i + 1}/0`)
    .join(" | ")} |`,
);
for (const k of keys) {
  const m = results.map((rs) => median(rs.map((x) => x[k])));
  const fmt = (v: number) => (k.endsWith("sha") ? v.toString(16) : v.toFixed(1));
  log(
    `| ${k} | ${m.map(fmt).join(" | ")} | ${m
      .slice(1)
      .map((v) => (v / m[0]).toFixed(2))
      .join(" | ")} |`,
  );
}

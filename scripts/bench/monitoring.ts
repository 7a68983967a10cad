// `npm run bench -- --monitoring`: what model monitoring costs a single-row request, and
// whether the prediction log keeps every prediction under load. Three servers of the same
// build under the same single-row load at the same time, in rounds: monitoring off
// (MONITOR_ENABLED=false; ids only), monitoring on (drift window, held predictions), and
// monitoring + prediction log to a local folder (CAPTURE_SAMPLE=1). Afterwards the log is
// counted against the server's own prediction counter. Writes docs/monitoring-bench.json.
// ADR 0043.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { loadServingModel } from "./in-process";
import { median } from "~/ml/metrics";
import { runInterleaved, type LoadResult } from "./load";
import { benchMonitoringStep } from "./monitoring-step";
import { startApp } from "./processes";

type Options = {
  root: string;
  apiKey: string;
  body: string;
  record: Record<string, unknown>;
  seconds: number;
  rounds: number;
};

const log = (message: string) => process.stdout.write(`${message}\n`);

async function scrape(metricsUrl: string, sample: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

function countLogged(dir: string): { predictions: number; files: number } {
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) =>
    f.endsWith(".jsonl.gz"),
  );
  let predictions = 0;
  for (const file of files) {
    const text = gunzipSync(readFileSync(path.join(dir, file))).toString("utf8");
    for (const line of text.split("\n")) if (line.includes('"type":"prediction"')) predictions++;
  }
  return { predictions, files: files.length };
}

export async function benchMonitoring({ root, apiKey, body, record, seconds, rounds }: Options) {
  const captureDir = mkdtempSync(path.join(os.tmpdir(), "bench-capture-"));
  const variants: { name: string; env: Record<string, string> }[] = [
    { name: "monitoring off", env: { MONITOR_ENABLED: "false" } },
    { name: "monitoring on", env: {} },
    { name: "monitoring + capture", env: { CAPTURE_URI: captureDir, CAPTURE_SAMPLE: "1" } },
  ];
  const apps = [];
  for (const v of variants) apps.push(await startApp(root, { apiKey, env: v.env }));
  const perRound = seconds / rounds;
  log(`monitoring cost: ${variants.length} servers, ${rounds} rounds of ${perRound} s each…`);
  const { results, rounds: all } = await runInterleaved(
    apps.map((app) => ({
      url: `${app.url}/api/v1/predict`,
      method: "POST",
      headers: { "Content-Type": "application/json", "X-API-Key": apiKey },
      body,
      connections: 16,
      seconds: perRound,
      pid: app.proc.pid,
    })),
    rounds,
    // All three at once: on a machine shared with other jobs, neighbours then slow every
    // variant alike at every moment (in turns, a burst lands on one of them only).
    [[0, 1, 2]],
  );
  const capture = apps[2];
  const answered = await scrape(capture.metricsUrl, 'prediction_rows_total{source="api"}');
  const dropped = await scrape(capture.metricsUrl, "capture_rows_dropped_total");
  for (const app of apps) await app.stop(); // SIGTERM: the open log file is flushed
  const logged = countLogged(captureDir);
  rmSync(captureDir, { recursive: true, force: true });

  log("the monitoring step in-process (CPU per row, alternating rounds)…");
  const model = await loadServingModel(path.resolve(root, process.env.MODEL_URI ?? "models"));
  const step = await benchMonitoringStep(model, record, Math.min(seconds, 20));
  await model.session.release();
  // The share of a single-row request's server CPU (monitoring off, median round).
  const requestUs = results[0].cpu_us_per_request ?? NaN;
  const share = {
    monitoring: step.monitor_us / requestUs,
    capture: (step.monitor_and_capture_us - step.monitor_us) / requestUs,
  };

  const ratio = (a: number, b: number, f: (r: LoadResult) => number | null) =>
    median(all.map((round) => (f(round[a]) ?? NaN) / (f(round[b]) ?? NaN)));
  const report = {
    generated_at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, load_at_end: os.loadavg()[0] },
    seconds_per_server: seconds,
    rounds,
    scenarios: variants.map((v, i) => ({
      name: v.name,
      req_per_s: results[i].req_per_s,
      p99_ms: results[i].latency_ms.p99,
      cpu_us_per_request: results[i].cpu_us_per_request,
      errors: results[i].errors,
      non_2xx: results[i].non_2xx,
      rounds: all.map((round) => ({
        req_per_s: round[i].req_per_s,
        cpu_us_per_request: round[i].cpu_us_per_request,
      })),
    })),
    monitoring_cpu_cost: ratio(1, 0, (r) => r.cpu_us_per_request) - 1,
    capture_cpu_cost: ratio(2, 0, (r) => r.cpu_us_per_request) - 1,
    capture_throughput_ratio: ratio(2, 0, (r) => r.req_per_s),
    monitoring_throughput_ratio: ratio(1, 0, (r) => r.req_per_s),
    step,
    request_cpu_us: requestUs,
    step_share_of_request_cpu: share,
    capture_log: { answered, logged: logged.predictions, files: logged.files, dropped },
  };
  const out = path.join(root, "docs/monitoring-bench.json");
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  for (const s of report.scenarios) {
    log(
      `  ${s.name}: ${Math.round(s.req_per_s)} req/s, p99 ${s.p99_ms} ms, ` +
        `${Math.round(s.cpu_us_per_request ?? 0)} µs CPU/req, errors ${s.errors + s.non_2xx}`,
    );
  }
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  log(
    `  monitoring step: ${step.monitor_us.toFixed(1)} µs/row, capture +${(step.monitor_and_capture_us - step.monitor_us).toFixed(1)} µs/row; ` +
      `predictRecords ${step.predict_us.toFixed(1)} µs/row; request ${Math.round(requestUs)} µs CPU`,
  );
  log(`  monitoring share of single-row request CPU: ${pct(share.monitoring)} (goal < 5%)`);
  log(`  capture share of single-row request CPU: ${pct(share.capture)}`);
  log(`  monitoring CPU per request, HTTP rounds: +${pct(report.monitoring_cpu_cost)}`);
  log(`  monitoring + capture CPU per request: +${pct(report.capture_cpu_cost)}`);
  log(
    `  throughput with capture vs off: ${report.capture_throughput_ratio.toFixed(3)}× (goal ≥ 0.95)`,
  );
  log(
    `  log: ${logged.predictions} predictions in ${logged.files} files; server answered ${answered}, dropped ${dropped}`,
  );
  log(`wrote ${path.relative(root, out)}`);
}

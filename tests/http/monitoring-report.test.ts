// The offline report (npm run monitor) over a prediction log written by the real server: the
// same drift verdicts and the same live accuracy as the server computed, from the log alone.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../scripts/monitor/analyse";
import {
  getMonitoring,
  holdout,
  holdoutLike,
  isPrediction,
  postFeedback,
  predictAll,
} from "./helpers/monitoring";
import { REPO_ROOT, startServer } from "./helpers/server";

const run = promisify(execFile);
let dir: string;
let live: Awaited<ReturnType<typeof getMonitoring>>;
let actualsFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "monitor-report-"));
  const capture = path.join(dir, "log");
  const server = await startServer({ CAPTURE_URI: capture }, { waitPath: "/readyz" });
  const doubled = holdoutLike(600, (r) => (r.Gr_Liv_Area = (r.Gr_Liv_Area as number) * 2));
  await predictAll(server.url, doubled, 50);
  const { records, prices } = holdout();
  const predictions = (await predictAll(server.url, records.slice(0, 100), 20)).filter(
    isPrediction,
  );
  // 60 sale prices come back through the API (logged as feedback), 40 only in a CSV.
  const feedback = predictions
    .slice(0, 60)
    .map((p, i) => ({ prediction_id: p.prediction_id, sale_price: prices[i] }));
  expect((await postFeedback(server.url, { feedback })).status).toBe(200);
  actualsFile = path.join(dir, "sales.csv");
  const csv = predictions.slice(60).map((p, i) => `${p.prediction_id},${prices[60 + i]}`);
  await writeFile(actualsFile, ["prediction_id,sale_price", ...csv].join("\n"));
  const rest = predictions
    .slice(60)
    .map((p, i) => ({ prediction_id: p.prediction_id, sale_price: prices[60 + i] }));
  expect((await postFeedback(server.url, { feedback: rest })).status).toBe(200);
  live = await getMonitoring(server.url); // all 100 labelled, for comparison
  await server.stop();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function monitor(...args: string[]) {
  return run(process.execPath, ["--import", "tsx", "scripts/monitor.ts", ...args], {
    cwd: REPO_ROOT,
  });
}

describe("npm run monitor", () => {
  it("reports drift and accuracy equal to the server's, with a progress indicator", async () => {
    const out = path.join(dir, "report");
    const { stdout, stderr } = await monitor(
      "--capture",
      path.join(dir, "log"),
      "--actuals",
      actualsFile,
      "--out",
      out,
      "--progress",
      "always",
    );
    expect(stderr).toMatch(/rows/);
    expect(stdout).toMatch(/700 predictions/);
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8")) as Report;
    expect(report.predictions).toBe(700);
    expect(report.feedback_events).toBe(100);
    const [model] = report.models;
    expect(model.reference).toBe(true);
    const drifted = model.drift!.features.filter((f) => f.drifted).map((f) => f.name);
    expect(drifted).toEqual(["Gr_Liv_Area"]);
    expect(report.performance.labelled).toBe(100);
    expect(report.performance.unmatched).toBe(0);
    for (const key of ["rmsle", "mape", "coverage"] as const) {
      expect(Math.abs(report.performance[key]! - live.performance[key]!)).toBeLessThanOrEqual(1e-9);
    }
    const html = await readFile(path.join(out, "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("Gr_Liv_Area");
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3)/);
  });

  it("a period without traffic has no predictions; a bad option is a usage error", async () => {
    const out = path.join(dir, "empty");
    await monitor(
      "--capture",
      path.join(dir, "log"),
      "--from",
      "2000-01-01",
      "--to",
      "2000-01-02",
      "--out",
      out,
    );
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8")) as Report;
    expect(report.predictions).toBe(0);
    const bad = await monitor("--capture", path.join(dir, "log"), "--from", "yesterday").catch(
      (e) => e,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from "yesterday" is not an ISO date/);
  });
});

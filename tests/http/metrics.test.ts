// The Prometheus endpoint on METRICS_PORT (not on the public port) after real traffic.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, MINIMAL_RECORD, postJson, type PredictBody } from "./helpers/api-fixtures";
import { startServer, type TestServer } from "./helpers/server";

const MODEL_URI = process.env.MODEL_URI ?? "models";

let server: TestServer;
let scrape: string;
let modelVersion: string;

/** The value of one series, e.g. sample('prediction_rows_total{source="api"}'). */
function sample(series: string): number {
  const line = scrape.split("\n").find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no series ${series} in the scrape`);
  return Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  server = await startServer({ MODEL_URI }, { waitPath: "/readyz" });
  // Traffic: 2 single-row predictions, one 5-row batch with 1 invalid row, a 401, a probe.
  const ok = await postJson(server.url, { records: [MINIMAL_RECORD] });
  modelVersion = (ok.body as PredictBody).model_version;
  await postJson(server.url, { records: [MINIMAL_RECORD] });
  await postJson(server.url, { records: [...Array(4).fill(MINIMAL_RECORD), { Gr_Liv_Area: 1 }] });
  await postJson(server.url, { records: [MINIMAL_RECORD] }, { "X-API-Key": "wrong" });
  await call(`${server.url}/healthz`);
  const res = await fetch(`${server.metricsUrl}/metrics`);
  expect(res.status).toBe(200);
  scrape = await res.text();
});
afterAll(() => server?.stop());

describe("metrics scrape after traffic", () => {
  it("counts requests by route, method and status", () => {
    expect(sample('http_requests_total{route="/api/v1/predict",method="POST",status="200"}')).toBe(
      3,
    );
    expect(sample('http_requests_total{route="/api/v1/predict",method="POST",status="401"}')).toBe(
      1,
    );
    expect(
      sample('http_requests_total{route="/healthz",method="GET",status="200"}'),
    ).toBeGreaterThanOrEqual(1);
  });

  it("has request duration histograms", () => {
    const count =
      'http_request_duration_seconds_count{route="/api/v1/predict",method="POST",status="200"}';
    expect(sample(count)).toBe(3);
    expect(scrape).toMatch(
      /http_request_duration_seconds_bucket\{le="0\.005",route="\/api\/v1\/predict"/,
    );
  });

  it("counts predicted rows, prediction errors and batch sizes", () => {
    expect(sample('prediction_rows_total{source="api"}')).toBe(6);
    expect(sample('prediction_errors_total{type="validation"}')).toBe(1);
    expect(sample("prediction_batch_rows_count")).toBe(3);
    expect(sample("prediction_batch_rows_sum")).toBe(7);
    expect(sample('prediction_batch_rows_bucket{le="1"}')).toBe(2);
  });

  it("reports the model load and which version serves", () => {
    expect(sample('model_load_duration_seconds_count{outcome="loaded"}')).toBe(1);
    expect(sample('model_load_duration_seconds_sum{outcome="loaded"}')).toBeGreaterThan(0);
    expect(sample(`model_info{version="${modelVersion}"}`)).toBe(1);
  });

  it("includes the process defaults", () => {
    expect(sample("process_resident_memory_bytes")).toBeGreaterThan(10_000_000);
    expect(scrape).toContain("nodejs_eventloop_lag_seconds");
  });

  it("shows the server runs on the tests' node, the one package.json's engines name", async () => {
    // The helper starts it with process.execPath: under make, the Makefile's Node 24.
    const { engines } = (await import("../../package.json")).default;
    const major = /^>=(\d+)\./.exec(engines.node)?.[1];
    expect(process.versions.node.split(".")[0]).toBe(major);
    const series = `nodejs_version_info{version="${process.version}",major="${major}",`;
    expect(scrape.split("\n").some((l) => l.startsWith(series))).toBe(true);
  });

  it("is not served on the public port", async () => {
    const res = await call(`${server.url}/metrics`);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain("http_requests_total");
  });
});

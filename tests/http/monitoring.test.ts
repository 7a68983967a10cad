// Model monitoring over real HTTP (issue 19): drift of holdout-like traffic against the
// bundle's training reference, a shifted field flagged on the API and the metrics port, and
// live accuracy from sale prices equal to the training evaluation's metrics on the same rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regressionMetrics } from "~/ml/metrics";
import {
  getMonitoring,
  holdout,
  holdoutLike,
  metricValue,
  postFeedback,
  predictAll,
} from "./helpers/monitoring";
import { startServer, type TestServer } from "./helpers/server";

let server: TestServer;

beforeAll(async () => {
  // Small requests run on the event loop, 40-record ones (~100 KB) on the scoring threads:
  // both paths feed the one window.
  server = await startServer(
    { MODEL_URI: "models", SCORING_WORKERS: "2" },
    { waitPath: "/readyz" },
  );
});
afterAll(() => server?.stop());

const psiOf = (m: Awaited<ReturnType<typeof getMonitoring>>, name: string) =>
  m.features.find((f) => f.name === name)!.psi!;

describe("live drift against the training reference", () => {
  it("1,000 holdout-like records: a full window, no field drifted", async () => {
    const records = holdoutLike(1000);
    await predictAll(server.url, records.slice(0, 200), 1);
    await predictAll(server.url, records.slice(200), 40);
    const m = await getMonitoring(server.url);
    expect(m.reference.available).toBe(true);
    expect(m.window).toMatchObject({ rows: 1000, capacity: 1000, threshold: 0.25 });
    expect(m.features.length).toBeGreaterThan(60);
    expect(m.features.filter((f) => f.drifted).map((f) => f.name)).toEqual([]);
    for (const f of m.features.filter((f) => f.watched)) expect(f.psi).toBeLessThan(0.25);
    expect(m.features.every((f) => f.missing_share === 0)).toBe(true);
    expect(m.prediction.psi).toBeLessThan(0.25);
    // The sale year is outside training by construction: measured, never flagged.
    const year = m.features.find((f) => f.name === "Year_Sold")!;
    expect(year).toMatchObject({ watched: false, drifted: false, out_of_range_share: 1 });
  });

  it("1,000 records with living area doubled: Gr_Liv_Area drifted, no other field", async () => {
    const records = holdoutLike(1000, (r) => (r.Gr_Liv_Area = (r.Gr_Liv_Area as number) * 2));
    await predictAll(server.url, records, 40);
    const m = await getMonitoring(server.url);
    expect(m.window.rows).toBe(1000);
    expect(psiOf(m, "Gr_Liv_Area")).toBeGreaterThanOrEqual(0.25);
    expect(m.features.filter((f) => f.drifted).map((f) => f.name)).toEqual(["Gr_Liv_Area"]);
    const area = m.features.find((f) => f.name === "Gr_Liv_Area")!;
    expect(area.out_of_range_share).toBeGreaterThan(0);

    const gauge = await metricValue(
      server.metricsUrl,
      'model_feature_drift_psi{feature="Gr_Liv_Area"}',
    );
    expect(gauge).toBeCloseTo(psiOf(m, "Gr_Liv_Area"), 9);
    expect(
      await metricValue(server.metricsUrl, 'model_feature_drifted{feature="Gr_Liv_Area"}'),
    ).toBe(1);
    expect(await metricValue(server.metricsUrl, 'model_feature_drifted{feature="Lot_Area"}')).toBe(
      0,
    );
    // The fleet view's counters hold every row since start: 2,000 rows of living area.
    const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
    const bins = text
      .split("\n")
      .filter((l) => l.startsWith('model_feature_bin_total{feature="Gr_Liv_Area"'))
      .map((l) => Number(l.split(" ").pop()));
    expect(bins.reduce((a, b) => a + b, 0)).toBe(2000);
  });
});

describe("feedback: live accuracy from sale prices", () => {
  it("300 holdout predictions with their prices: RMSLE, MAPE, coverage equal the offline metrics", async () => {
    const { records, prices } = holdout();
    const predictions = await predictAll(server.url, records.slice(0, 300), 25);
    const actual = prices.slice(0, 300);
    const feedback = predictions.map((p, i) => ({
      prediction_id: (p as { prediction_id?: string }).prediction_id,
      sale_price: actual[i],
    }));
    expect(new Set(feedback.map((f) => f.prediction_id)).size).toBe(300);
    const res = await postFeedback(server.url, {
      feedback: [...feedback, { prediction_id: "not-a-prediction", sale_price: 100000 }],
    });
    expect(res.status).toBe(200);
    const body = res.body as { results: { status: string }[]; counts: Record<string, number> };
    expect(body.counts).toEqual({ recorded: 300, updated: 0, unknown: 1 });
    expect(body.results[300]).toEqual({ prediction_id: "not-a-prediction", status: "unknown" });

    const logPred = predictions.map((p) => Math.log(p.price));
    const halfWidth = predictions.map(
      (p) => (Math.log(p.interval.upper) - Math.log(p.interval.lower)) / 2,
    );
    const offline = regressionMetrics(actual, logPred, halfWidth);
    const { performance } = await getMonitoring(server.url);
    expect(performance.labelled).toBe(300);
    expect(Math.abs(performance.rmsle! - offline.rmsle)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(performance.mape! - offline.mape)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(performance.coverage! - offline.coverage)).toBeLessThanOrEqual(1e-6);
    expect(await metricValue(server.metricsUrl, "model_live_rmsle")).toBeCloseTo(offline.rmsle, 9);

    // The same sale reported again replaces the label instead of counting twice.
    const again = await postFeedback(server.url, { feedback: feedback.slice(0, 10) });
    expect((again.body as { counts: unknown }).counts).toEqual({
      recorded: 0,
      updated: 10,
      unknown: 0,
    });
    const after = await getMonitoring(server.url);
    expect(after.performance.labelled).toBe(300);
    expect(Math.abs(after.performance.rmsle! - offline.rmsle)).toBeLessThanOrEqual(1e-6);
  });

  it("refuses bad feedback with a 422 naming the item and field", async () => {
    const res = await postFeedback(server.url, {
      feedback: [{ prediction_id: "a", sale_price: "lots" }],
    });
    expect(res.status).toBe(422);
    const problem = res.body as { errors: { path: string }[]; request_id: string };
    expect(problem.errors.map((e) => e.path)).toEqual(["feedback.0.sale_price"]);
    expect(problem.request_id).toBeTruthy();
    const empty = await postFeedback(server.url, { feedback: [] });
    expect(empty.status).toBe(422);
    const unknownKey = await postFeedback(server.url, {
      feedback: [{ prediction_id: "a", sale_price: 1, price: 2 }],
    });
    expect(unknownKey.status).toBe(422);
    // Each wrong id says what is wrong with it, not only that it must be a string.
    const ids = await postFeedback(server.url, {
      feedback: [
        { prediction_id: "", sale_price: 1 },
        { prediction_id: "x".repeat(101), sale_price: 1 },
        { prediction_id: 7, sale_price: 1 },
      ],
    });
    expect(ids.status).toBe(422);
    const messages = (ids.body as { errors: { path: string; message: string }[] }).errors;
    expect(messages.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "feedback.0.prediction_id: must not be empty",
      "feedback.1.prediction_id: must be at most 100 characters",
      "feedback.2.prediction_id: must be a string",
    ]);
  });

  it("needs the API key", async () => {
    const res = await fetch(`${server.url}/api/v1/monitoring`);
    expect(res.status).toBe(401);
    const post = await fetch(`${server.url}/api/v1/feedback`, { method: "POST", body: "{}" });
    expect(post.status).toBe(401);
  });
});

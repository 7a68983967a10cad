// Online recalibration measured once on the 2010 holdout through the API (ADR 0050, issue 15's
// coverage target): the holdout is replayed month by month in sale order against the built
// server: a month's homes are predicted, then their sale prices are posted as feedback, as a
// client would after the sales close. One server gets the homes as given (scoring on a thread,
// so the snapshot crosses to it), another with the required fields only (on the event loop).
// The settings were chosen by the backtest replay (training/recalibration.json), not here.
// The cold-start remedies replayed after this measurement (ADR 0057) were not adopted, so serving
// and these figures are unchanged; 2010 was not measured again for them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Monitoring, Prediction, PredictResponse } from "~/api/schemas";
import { requiredOnly } from "../../training/backtest";
import { HOLDOUT_YEARS, loadDataset, selectYears, type Split } from "../../training/data";
import { MANIFEST } from "../unit/ml/bundle-model";
import { loadContract, type Contract } from "./helpers/api-contract";
import { call, postJson } from "./helpers/api-fixtures";
import { metricValue, postFeedback } from "./helpers/monitoring";
import { REPO_ROOT, startServer, TEST_API_KEY, type TestServer } from "./helpers/server";

type Month = { month: number; n: number; covered: number; factor: number | null };
type Replay = {
  n: number;
  /** Sale prices inside the interval served. */
  covered: number;
  /** … inside the interval the static calibration gives (the served one ÷ its factor). */
  coveredStatic: number;
  recalibrated: number;
  months: Month[];
  last: Prediction[];
};

let given: TestServer;
let required: TestServer;
let contract: Contract;
let holdout: Split;
const results = {} as Record<"given" | "required", Replay>;

async function replay(server: TestServer, records: readonly object[]): Promise<Replay> {
  const out: Replay = { n: 0, covered: 0, coveredStatic: 0, recalibrated: 0, months: [], last: [] };
  const months = [...new Set(holdout.records.map((r) => r.Mo_Sold as number))].sort(
    (a, b) => a - b,
  );
  for (const month of months) {
    const at = holdout.records.flatMap((r, i) => (r.Mo_Sold === month ? [i] : []));
    const res = await postJson(server.url, { records: at.map((i) => records[i]) });
    expect(res.status).toBe(200);
    contract.check("/api/v1/predict", "post", res.status, res.contentType, res.body);
    const predictions = (res.body as PredictResponse).predictions as Prediction[];
    const m: Month = { month, n: at.length, covered: 0, factor: null };
    predictions.forEach((p, k) => {
      const actual = holdout.prices[at[k]];
      const { lower, upper, recalibrated } = p.interval;
      const f = recalibrated?.factor ?? 1;
      const half = Math.log(upper / lower) / 2 / f;
      const inside = lower <= actual && actual <= upper;
      out.n++;
      m.covered += inside ? 1 : 0;
      out.covered += inside ? 1 : 0;
      out.coveredStatic += Math.abs(Math.log(actual / p.price)) <= half ? 1 : 0;
      if (recalibrated) {
        out.recalibrated++;
        m.factor = recalibrated.factor;
      }
    });
    out.months.push(m);
    out.last = predictions;
    // The month's sales close: their prices come back.
    const feedback = predictions.map((p, k) => ({
      prediction_id: p.prediction_id!,
      sale_price: holdout.prices[at[k]],
    }));
    const fb = await postFeedback(server.url, { feedback });
    expect(fb.status).toBe(200);
    expect((fb.body as { counts: { recorded: number } }).counts.recorded).toBe(at.length);
  }
  return out;
}

beforeAll(async () => {
  const env = { MODEL_URI: process.env.MODEL_URI ?? "models" };
  [given, required] = await Promise.all([
    startServer(
      { ...env, SCORING_WORKERS: "1", SCORING_WORKER_MIN_BYTES: "0" },
      { waitPath: "/readyz" },
    ),
    startServer({ ...env, SCORING_WORKERS: "0" }, { waitPath: "/readyz" }),
  ]);
  contract = await loadContract(given.url);
  holdout = selectYears(loadDataset(`${REPO_ROOT}/${MANIFEST.data.file}`), HOLDOUT_YEARS);
  [results.given, results.required] = await Promise.all([
    replay(given, holdout.records),
    replay(required, holdout.records.map(requiredOnly)),
  ]);
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `2010 ${name}: coverage ${r.covered}/${r.n} (static ${r.coveredStatic}/${r.n}), ` +
        `${r.recalibrated} recalibrated; months ${JSON.stringify(r.months)}`,
    );
  }
}, 180_000);
afterAll(() => Promise.all([given?.stop(), required?.stop()]));

const share = (k: number, n: number) => k / n;

describe("the 2010 holdout month by month, with feedback after each month", () => {
  it("serves every holdout sale, and the static intervals are the model card's", () => {
    for (const [name, card] of [
      ["given", MANIFEST.card.holdout!.full.all],
      ["required", MANIFEST.card.holdout!.required_only.all],
    ] as const) {
      const r = results[name];
      expect(r.n).toBe(holdout.records.length);
      // Static half-widths recovered from prices rounded to the cent: the card's coverage.
      expect(Math.abs(share(r.coveredStatic, r.n) - card.coverage)).toBeLessThan(0.5 / r.n);
    }
  });

  it("is static until 100 sale prices came back, then widens, never narrows, at most × 1.5", () => {
    for (const r of Object.values(results)) {
      let labelled = 0;
      for (const m of r.months) {
        if (labelled < 100) expect(m.factor, `month ${m.month}`).toBeNull();
        else expect(m.factor, `month ${m.month}`).not.toBeNull();
        if (m.factor !== null) {
          expect(m.factor).toBeGreaterThanOrEqual(1);
          expect(m.factor).toBeLessThanOrEqual(1.5);
        }
        labelled += m.n;
      }
      expect(r.recalibrated).toBeGreaterThan(0);
    }
  });

  it("covers more often than the static calibration: required-only in 88–92%, as given short", () => {
    for (const r of Object.values(results)) expect(r.covered).toBeGreaterThan(r.coveredStatic);
    const coverage = (r: Replay) => share(r.covered, r.n);
    expect(coverage(results.required)).toBeGreaterThanOrEqual(0.88);
    expect(coverage(results.required)).toBeLessThanOrEqual(0.92);
    // The one measurement (docs/training.md, ADR 0050): as given 297/341 = 87.1% (static
    // 82.4%), short of 88%: the first 100 sales are served before any feedback came back, and
    // 15 of them (85/100) fall outside; the 241 after it are covered 212 times (88.0%).
    expect({ given: results.given.covered, required: results.required.covered }).toEqual({
      given: 297,
      required: 312,
    });
    const after = results.given.months.filter((m) => m.factor !== null);
    expect(after.reduce((a, m) => a + m.covered, 0)).toBe(212);
    expect(after.reduce((a, m) => a + m.n, 0)).toBe(241);
  });

  it("/api/v1/monitoring and the metrics port show m; the next estimate is served with it", async () => {
    for (const [server, records] of [
      [given, holdout.records],
      [required, holdout.records.map(requiredOnly)],
    ] as const) {
      const res = await call<Monitoring>(`${server.url}/api/v1/monitoring`, {
        headers: { "X-API-Key": TEST_API_KEY },
      });
      contract.check("/api/v1/monitoring", "get", res.status, res.contentType, res.body);
      const m = res.body.recalibration;
      expect(m).toMatchObject({
        enabled: true,
        window: 200,
        min_count: 100,
        min_factor: 1,
        max_factor: 1.5,
        scores: { all: 200 }, // the window is full: 341 labelled
      });
      expect(m.factors.all.from_feedback).toBe(200);
      const gauge = await metricValue(
        server.metricsUrl,
        'model_interval_recalibration_factor{pool="all"}',
      );
      expect(gauge).toBe(m.factors.all.factor);
      const next = await postJson(server.url, { records: records.slice(0, 1) });
      const p = ((next.body as PredictResponse).predictions as Prediction[])[0];
      expect(p.interval.recalibrated).toEqual(m.factors.all);
    }
  });
});

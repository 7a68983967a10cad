// Online recalibration (ADR 0050): the rolling conformal factor and its bounds, pools, the
// serving hook, the monitor's feedback path, and the backtest replay's month order.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PredictionInterval } from "~/api/schemas";
import {
  monitoringView,
  monitorModelLoaded,
  observeBatch,
  recordFeedback,
  startMonitor,
} from "~/inference/monitor/monitor.server";
import {
  RECALIBRATION,
  recalibrateInterval,
  servingRecalibration,
  staticHalfWidth,
  useRecalibration,
} from "~/inference/monitor/recalibrate.server";
import type { LoadedModel } from "~/inference/model.server";
import {
  factorFor,
  poolOf,
  Recalibrator,
  type RecalibrationSettings,
} from "~/monitoring/recalibrate";
import { replay, type ReplayRow } from "../../../training/recalibration";
import { uniformBatch } from "./observed-batches";

const settings = (over: Partial<RecalibrationSettings> = {}): RecalibrationSettings => ({
  ...RECALIBRATION,
  ...over,
});

/** `n` scores (|residual| / half-width) spread evenly over (0, top]. */
function feed(r: Recalibrator, n: number, top: number, group = "full/typical") {
  for (let i = 1; i <= n; i++) r.add(group, (top * i) / n, 1);
}

describe("Recalibrator", () => {
  it("is inactive below the minimum count, then m is the conformal quantile of the scores", () => {
    const r = new Recalibrator(settings({ minCount: 100 }));
    feed(r, 99, 1.25);
    expect(r.snapshot().factors).toEqual({});
    expect(factorFor(r.snapshot(), "full/typical")).toBeUndefined();
    const again = new Recalibrator(settings({ minCount: 100 }));
    feed(again, 100, 1.25);
    // ⌈101 × 0.9⌉ = 91st smallest of 0.0125 … 1.25: 1.1375.
    expect(factorFor(again.snapshot(), "required/unknown")).toEqual({
      factor: 1.1375,
      from_feedback: 100,
    });
  });

  it("never narrows below the floor, never widens beyond the cap", () => {
    const low = new Recalibrator(settings());
    feed(low, 150, 0.5);
    expect(low.snapshot().factors.all.factor).toBe(1);
    const high = new Recalibrator(settings());
    feed(high, 150, 10);
    expect(high.snapshot().factors.all.factor).toBe(1.5);
  });

  it("forgets scores older than the window", () => {
    const r = new Recalibrator(settings({ window: 200 }));
    feed(r, 200, 10);
    expect(r.snapshot().factors.all.factor).toBe(1.5);
    feed(r, 200, 0.5);
    expect(r.snapshot().factors.all).toEqual({ factor: 1, from_feedback: 200 });
  });

  it("ignores scores it cannot use (no half-width, not finite)", () => {
    const r = new Recalibrator(settings({ minCount: 1 }));
    r.add("full/typical", 0.1, 0);
    r.add("full/typical", Number.NaN, 0.2);
    r.add("full/typical", Number.POSITIVE_INFINITY, 0.2);
    expect(r.counts()).toEqual({ all: 0 });
  });

  it("per pool when a pool has enough scores, else over all", () => {
    expect(poolOf("required/unknown", "given")).toBe("required");
    expect(poolOf("most/typical", "given")).toBe("fuller");
    expect(poolOf("most/typical", "level")).toBe("most");
    expect(poolOf("most/typical", "all")).toBe("all");
    const r = new Recalibrator(settings({ pooling: "given", minCount: 50 }));
    feed(r, 60, 10, "full/typical"); // fuller: cap
    feed(r, 20, 0.5, "required/unknown"); // too few of its own
    const snap = r.snapshot();
    expect(snap.factors.fuller).toEqual({ factor: 1.5, from_feedback: 60 });
    // The required pool falls back to the 80 scores over all.
    expect(factorFor(snap, "required/unknown")).toEqual(snap.factors.all);
    expect(snap.factors.all.from_feedback).toBe(80);
    feed(r, 40, 0.5, "required/unknown");
    expect(factorFor(r.snapshot(), "required/unknown")).toEqual({ factor: 1, from_feedback: 60 });
  });

  it("the served settings are the backtest's choice (training/recalibration.json)", () => {
    const record = JSON.parse(readFileSync("training/recalibration.json", "utf8")) as {
      chosen: RecalibrationSettings;
    };
    expect(RECALIBRATION).toEqual(record.chosen);
  });
});

describe("the serving hook", () => {
  const interval: PredictionInterval = {
    lower: 172_140.74,
    upper: 232_372.55,
    level: 0.9,
    group: "full/typical",
    widened: [],
  };
  const logPred = Math.log(200_000);

  it("leaves the interval alone without a factor, and scales its half-width by one", () => {
    useRecalibration(undefined);
    expect(recalibrateInterval(interval, 0.15, logPred)).toBe(interval);
    useRecalibration({ pooling: "all", factors: { all: { factor: 1.2, from_feedback: 150 } } });
    const served = recalibrateInterval(interval, 0.15, logPred);
    expect(served).toEqual({
      ...interval,
      lower: Math.round(Math.exp(logPred - 0.18) * 100) / 100,
      upper: Math.round(Math.exp(logPred + 0.18) * 100) / 100,
      recalibrated: { factor: 1.2, from_feedback: 150 },
    });
    // What the monitor scores feedback against: the static half-width.
    expect(staticHalfWidth(served)).toBeCloseTo(0.15, 6);
    useRecalibration(undefined);
    expect(servingRecalibration().factors).toEqual({});
  });
});

describe("the monitor's feedback path", () => {
  const model = { version: "v1", manifest: { interval: { level: 0.9, q: 0.1 } } };
  const start = (recalibrateIntervals: boolean) => {
    startMonitor({
      monitorWindowRows: 100,
      monitorPsiThreshold: 0.25,
      monitorHeldPredictions: 1000,
      recalibrateIntervals,
    });
    monitorModelLoaded(model as unknown as LoadedModel);
  };
  // 120 predictions of 200,000 (log half-width 0.1) that sold 15% above the estimate:
  // |log residual| 0.14.
  const predicted = () => {
    const { batch, ids } = uniformBatch(120);
    observeBatch(batch);
    return ids.map((prediction_id) => ({ prediction_id, sale_price: 230_000 }));
  };

  it("first reports feed the factor; a repeated report does not count twice", () => {
    start(true);
    const sold = predicted();
    recordFeedback(sold.slice(0, 99));
    expect(monitoringView().recalibration).toMatchObject({ scores: { all: 99 }, factors: {} });
    expect(servingRecalibration().factors).toEqual({});
    recordFeedback(sold.slice(0, 99)); // the same sales again: updated, not new scores
    expect(monitoringView().recalibration.scores).toEqual({ all: 99 });
    recordFeedback(sold.slice(99));
    const factor = Number((Math.log(1.15) / 0.1).toFixed(4));
    expect(factor).toBeGreaterThan(1.39);
    expect(monitoringView().recalibration.factors).toEqual({
      all: { factor, from_feedback: 120 },
    });
    expect(servingRecalibration().factors.all.factor).toBe(factor);
  });

  it("a new model starts from its calibration; switched off, feedback widens nothing", () => {
    start(true);
    recordFeedback(predicted());
    expect(servingRecalibration().factors.all).toBeDefined();
    monitorModelLoaded(model as unknown as LoadedModel);
    expect(servingRecalibration().factors).toEqual({});
    expect(monitoringView().recalibration.scores).toEqual({ all: 0 });
    start(false);
    recordFeedback(predicted());
    expect(monitoringView().recalibration).toMatchObject({ enabled: false, factors: {} });
    expect(servingRecalibration().factors).toEqual({});
  });
});

describe("the backtest replay", () => {
  const row = (month: number, residual: number): ReplayRow => ({
    month,
    residual,
    half: 0.1,
    group: "full/typical",
    variant: "given",
  });

  it("serves a month with the feedback of the months before it, never its own", () => {
    // January: 100 sales 30% off (0.3 > the half-width 0.1), none covered; February: the
    // same, now served with the cap (× 1.5 → 0.15), still none; March within 0.12: covered.
    const rows = [
      ...Array.from({ length: 100 }, () => row(1, 0.3)),
      ...Array.from({ length: 100 }, () => row(2, 0.3)),
      ...Array.from({ length: 100 }, () => row(3, 0.12)),
    ];
    const r = replay(rows, settings());
    expect(r.static.all).toMatchObject({ n: 300, covered: 0 });
    expect(r.recalibrated.all).toMatchObject({ n: 300, covered: 100 });
    expect(r.maxFactor).toBe(1.5);
    expect(r.recalibrated.all.halfSum).toBeCloseTo(100 * 0.1 + 200 * 0.15, 9);
  });
});

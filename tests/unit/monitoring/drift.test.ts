// The drift statistics shared by the server's window and the offline report.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { regressionMetrics } from "~/ml/metrics";
import { histogramShares, psi, type Reference } from "~/ml/reference";
import {
  compileBinner,
  encodeRecord,
  encodeValue,
  MISSING,
  OUT_OF_RANGE,
  OTHER_LEVEL,
} from "~/monitoring/bins";
import { PerformanceTracker } from "~/monitoring/performance";
import { DriftWindow, MIN_DRIFT_ROWS } from "~/monitoring/window";
import { HeldPredictions } from "~/inference/monitor/held";
import { ID_BYTES } from "~/inference/monitor/prediction-ids.server";
import { newIds } from "./observed-batches";

const root = path.resolve(__dirname, "../../..");
const manifest = JSON.parse(
  readFileSync(path.join(root, "models/03073acd7c8e/manifest.json"), "utf8"),
) as { reference: Reference };
const reference = manifest.reference;

/** A small reference: one number field (bins ≤10, ≤20, >20; range 0–30) and one category. */
const tiny: Reference = {
  version: 1,
  rows: 100,
  years: [2008],
  fields: {
    Area: {
      kind: "number",
      missing_share: 0,
      quantiles: [0, 5, 10, 20, 30],
      histogram: { edges: [10, 20], shares: [0.5, 0.3, 0.2] },
    },
    Kind: { kind: "category", missing_share: 0, shares: { a: 0.6, b: 0.4 } },
  },
  prediction: { edges: [12], train: [0.5, 0.5], holdout: [0.5, 0.5], quantiles: [11, 12, 13] },
};

describe("bins", () => {
  const binner = compileBinner(tiny);
  const [area, kind] = binner.fields;

  it("puts numbers in the reference's right-closed bins and flags values outside training", () => {
    expect([5, 10, 10.5, 20, 25].map((x) => encodeValue(area, x))).toEqual([0, 0, 1, 1, 2]);
    expect(encodeValue(area, -1)).toBe(0 | OUT_OF_RANGE);
    expect(encodeValue(area, 31)).toBe(2 | OUT_OF_RANGE);
  });

  it("gives unseen levels their own bin, out of range; missing values their own code", () => {
    expect(kind.labels).toEqual(["a", "b", OTHER_LEVEL]);
    expect(encodeValue(kind, "b")).toBe(1);
    expect(encodeValue(kind, "zz")).toBe(2 | OUT_OF_RANGE);
    for (const v of [undefined, null, "", Number.NaN]) expect(encodeValue(area, v)).toBe(MISSING);
  });

  it("compiles the real bundle's reference: every input field, at most 127 bins", () => {
    const real = compileBinner(reference);
    expect(real.fields.map((f) => f.name)).toEqual(Object.keys(reference.fields));
    for (const f of real.fields) {
      expect(f.reference.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
      expect(f.labels).toHaveLength(f.reference.length);
    }
  });
});

describe("DriftWindow", () => {
  const binner = compileBinner(tiny);
  const row = (r: Record<string, unknown>) => {
    const codes = new Uint8Array(2);
    encodeRecord(binner, r, codes, 0);
    return codes;
  };

  it("equals psi() of the window's values, evicting the oldest rows", () => {
    const window = new DriftWindow(binner, 200);
    const values: number[] = [];
    for (let i = 0; i < 500; i++) {
      const x = (i * 7) % 31;
      values.push(x);
      window.push(row({ Area: x, Kind: i % 3 ? "a" : "b" }), 0, 12);
    }
    const last = values.slice(-200);
    const snap = window.snapshot(0.25);
    expect(snap.rows).toBe(200);
    expect(snap.features[0].psi).toBeCloseTo(
      psi([0.5, 0.3, 0.2], histogramShares([10, 20], last)),
      12,
    );
    expect(snap.features[0].out_of_range_share).toBeCloseTo(
      last.filter((x) => x > 30).length / 200,
      12,
    );
  });

  it("counts missing values apart from the histogram, and flags only with enough rows", () => {
    const window = new DriftWindow(binner, 1000);
    for (let i = 0; i < MIN_DRIFT_ROWS - 1; i++) window.push(row({ Area: 29, Kind: "a" }), 0, 12);
    expect(window.snapshot(0.25).features[0]).toMatchObject({ drifted: false, missing_share: 0 });
    window.push(row({ Area: 29, Kind: "a" }), 0, 12);
    expect(window.snapshot(0.25).features[0].drifted).toBe(true);
    for (let i = 0; i < 100; i++) window.push(row({ Kind: "a" }), 0, 12);
    const area = window.snapshot(0.25).features[0];
    expect(area.missing_share).toBeCloseTo(0.5, 12);
    expect(area.psi).toBeCloseTo(psi([0.5, 0.3, 0.2], [0, 0, 1]), 12);
  });

  it("never flags the sale-date fields", () => {
    const real = compileBinner(reference);
    const window = new DriftWindow(real, 200);
    const codes = new Uint8Array(real.fields.length);
    for (let i = 0; i < 200; i++) {
      encodeRecord(real, { Year_Sold: 2030, Mo_Sold: 1 }, codes, 0);
      window.push(codes, 0, 12);
    }
    const year = window.snapshot(0.25).features.find((f) => f.name === "Year_Sold")!;
    expect(year.psi).toBeGreaterThan(1);
    expect(year).toMatchObject({ drifted: false, watched: false, out_of_range_share: 1 });
  });
});

describe("live accuracy", () => {
  it("equals the training evaluation's metrics, and a repeated label replaces the first", () => {
    const rows = Array.from({ length: 50 }, (_, i) => {
      const price = 100_000 + i * 3_000;
      // Symmetric in log space, as the served intervals are.
      const q = 0.16;
      const actual = price * (0.81 + (i % 9) * 0.05);
      return { price, lower: price * Math.exp(-q), upper: price * Math.exp(q), actual };
    });
    const tracker = new PerformanceTracker();
    const held = new HeldPredictions(100);
    const ids = newIds(rows.length).bytes;
    const id = (i: number) => ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES);
    const interval = { half: 0.16, group: "full/typical" };
    rows.forEach((r, i) => held.add(ids, i * ID_BYTES, r.price, r.lower, r.upper, interval));
    for (const [i, r] of rows.entries()) {
      const first = held.label(id(i), r.actual * 2)!; // a wrong price first, corrected below
      tracker.add(first.row);
      const second = held.label(id(i), r.actual)!;
      tracker.replace(second.previous!, second.row);
    }
    const halfWidth = rows.map((r) => (Math.log(r.upper) - Math.log(r.lower)) / 2);
    const offline = regressionMetrics(
      rows.map((r) => r.actual),
      rows.map((r) => Math.log(r.price)),
      halfWidth,
    );
    const live = tracker.summary();
    expect(live.labelled).toBe(50);
    expect(live.rmsle).toBeCloseTo(offline.rmsle, 9);
    expect(live.mape).toBeCloseTo(offline.mape, 9);
    expect(live.coverage).toBeCloseTo(offline.coverage, 9);
  });

  it("holds the most recent predictions only", () => {
    const held = new HeldPredictions(3);
    const ids = newIds(5).bytes;
    const interval = { half: 0, group: "full/typical" };
    for (let i = 0; i < 5; i++) held.add(ids, i * ID_BYTES, 1, 1, 1, interval);
    expect(held.size).toBe(3);
    expect(held.label(ids.subarray(16, 32), 2)).toBeUndefined();
    expect(held.label(ids.subarray(64, 80), 2)?.row).toEqual({
      price: 1,
      lower: 1,
      upper: 1,
      actual: 2,
    });
  });
});

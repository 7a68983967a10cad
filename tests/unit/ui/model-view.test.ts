import { describe, expect, it } from "vitest";
import type { BundleManifest } from "~/ml/bundle";
import { yearsLabel } from "~/components/format";
import { buildEstimateView, neighbourhoodTypical, relativeTo } from "~/routes/_index/view";
import { importanceBars, shareWithin } from "~/routes/model/view";

const split = {
  train: { years: [2006, 2007, 2008], rows: 2000 },
  eval: { years: [2009], rows: 600 },
  holdout: { years: [2010], rows: 300 },
};
const metric = { rmsle: 0.15, mae: 15000, mape: 10, medape: 6, r2: 0.9, coverage: 0.88, n: 300 };
// Only the manifest parts the helpers read; the rest of a real manifest is irrelevant here.
const manifest = {
  version: "abc123def456",
  data: { file: "data/ames.csv", sha256: "x", rows: 2900, split },
  metrics: { train: metric, eval: metric, holdout: metric },
  feature_state: {
    target: {
      Neighborhood_TE: {
        prior: Math.log(160_000),
        smoothing: 10,
        map: { North_Ames: Math.log(140_000) },
      },
    },
    frequency: { Neighborhood_Freq: { map: { North_Ames: 0.15 } } },
  },
} as unknown as Pick<BundleManifest, "feature_state" | "data" | "version" | "metrics">;

describe("neighbourhoodTypical", () => {
  it("is exp of the neighbourhood's target-encoded log price, with its training sale count", () => {
    const t = neighbourhoodTypical(manifest, "North_Ames")!;
    expect(t.price).toBeCloseTo(140_000, 6);
    expect(t.sales).toBe(300); // 15% of 2000 training rows
    expect(t.cityWide).toBe(false);
  });

  it("falls back to the city-wide prior for a neighbourhood without training sales", () => {
    const t = neighbourhoodTypical(manifest, "Landmark")!;
    expect(t.price).toBeCloseTo(160_000, 6);
    expect(t.cityWide).toBe(true);
    expect(t.sales).toBe(0);
  });

  it("is undefined when the bundle has no neighbourhood encoder", () => {
    const bare = { ...manifest, feature_state: { target: {}, frequency: {} } } as typeof manifest;
    expect(neighbourhoodTypical(bare, "North_Ames")).toBeUndefined();
  });
});

describe("buildEstimateView", () => {
  it("puts price, interval, factors, neighbourhood and imputed labels together", () => {
    const view = buildEstimateView(
      manifest,
      { Neighborhood: "North_Ames" },
      {
        status: "ok",
        price: 154_000,
        interval: {
          lower: 130_000,
          upper: 180_000,
          level: 0.9,
          group: "most/typical",
          widened: [],
        },
        imputed: ["Lot_Frontage", "Garage_Area"],
        warnings: [],
        base_value: Math.log(150_000),
        contributions: [
          { factor: "Living area", value: 0.1, imputed: false },
          { factor: "Location", value: -0.074, imputed: false },
        ],
      },
    );
    expect(view.neighbourhood).toMatchObject({ name: "North Ames", sales: 300, cityWide: false });
    expect(view.neighbourhood!.relative).toBeCloseTo(0.1, 6);
    expect(view.imputed).toEqual(["Street frontage", "Garage area"]);
    expect(view.bars.map((b) => b.factor)).toEqual(["Living area", "Location"]);
    expect(view.basePrice).toBeCloseTo(150_000, 4);
    expect(view.trainYears).toBe("2006–2008");
    expect(view.holdoutYears).toBe("2010");
    expect(view.holdoutCoverage).toBe(0.88);
    expect(view.factorSummary).toMatch(/^Living area raised/);
  });

  it("has no chart data when the prediction came without an explanation", () => {
    const view = buildEstimateView(
      manifest,
      {},
      {
        status: "ok",
        price: 1,
        interval: { lower: 1, upper: 1, level: 0.9, group: "required/unknown", widened: [] },
        imputed: [],
        warnings: [],
      },
    );
    expect(view.bars).toEqual([]);
    expect(view.basePrice).toBeUndefined();
    expect(view.neighbourhood).toBeUndefined();
  });
});

describe("model card helpers", () => {
  it("importance shares add up to 1 with one 'Other' bar last", () => {
    const bars = importanceBars(
      [
        { factor: "Living area", gain: 5 },
        { factor: "Other", gain: 0.5 },
        { factor: "Location", gain: 3 },
        { factor: "Age", gain: 1 },
        { factor: "Lot", gain: 0.5 },
      ],
      4,
    );
    expect(bars.map((b) => b.factor)).toEqual(["Living area", "Location", "Age", "Other"]);
    expect(bars[3].share).toBeCloseTo(0.1, 12);
    expect(bars.reduce((s, b) => s + b.share, 0)).toBeCloseTo(1, 12);
    expect(importanceBars([], 4)).toEqual([]);
  });

  it("labels years and measures relative error", () => {
    expect(yearsLabel([2008, 2006, 2007])).toBe("2006–2008");
    expect(yearsLabel([2006, 2010])).toBe("2006, 2010");
    expect(yearsLabel([2010])).toBe("2010");
    expect(relativeTo(110, 100)).toBeCloseTo(0.1, 12);
    const points = [
      { actual: 100, predicted: 105 },
      { actual: 100, predicted: 125 },
    ];
    expect(shareWithin(points, 0.1)).toBe(0.5);
    expect(shareWithin([], 0.1)).toBeNaN();
  });
});

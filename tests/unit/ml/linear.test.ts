import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  addLinearContributions,
  linearBase,
  linearExtrapolation,
  linearPredict,
  type LinearPart,
} from "~/ml/linear";
import { groupContributionsBySource, basePrice } from "~/ml/contributions";
import { binIndex, histogramShares, psi } from "~/ml/reference";

const PART: LinearPart = {
  intercept: 5,
  terms: [
    {
      feature: "Gr_Liv_Area",
      index: 0,
      transform: "log1p",
      weight: 0.5,
      mean: 7.2,
      min: 300,
      max: 4000,
    },
    {
      feature: "Garage_Cars",
      index: 2,
      transform: "identity",
      weight: 0.05,
      mean: 1.8,
      min: 0,
      max: 4,
    },
  ],
};

describe("linear part", () => {
  it("predicts intercept + Σ w·g(x) in double precision", () => {
    expect(linearPredict(PART, [1499, 99, 2])).toBeCloseTo(5 + 0.5 * Math.log(1500) + 0.1, 12);
  });

  it("explains exactly: base + Σ contributions = prediction (random rows)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 30000, noNaN: true }),
        fc.integer({ min: 0, max: 10 }),
        (area, cars) => {
          const row = [area, 0, cars];
          const phi = new Float64Array(3);
          addLinearContributions(PART, row, phi);
          expect(phi[1]).toBe(0);
          expect(linearBase(PART) + phi[0] + phi[2]).toBeCloseTo(linearPredict(PART, row), 10);
        },
      ),
      { seed: 3, numRuns: 200 },
    );
  });

  it("measures what it adds beyond the training range of its features", () => {
    expect(linearExtrapolation(PART, [2000, 0, 3])).toBe(0);
    expect(linearExtrapolation(PART, [20000, 0, 3])).toBeCloseTo(
      0.5 * (Math.log1p(20000) - Math.log1p(4000)),
      12,
    );
    expect(linearExtrapolation(PART, [100, 0, 6])).toBeCloseTo(
      0.5 * (Math.log1p(100) - Math.log1p(300)) + 0.05 * 2,
      12,
    );
  });
});

describe("groupContributionsBySource", () => {
  const names = ["Total_SF", "Gr_Liv_Area", "Fireplaces", "Nearby_PPSF"];
  const factor = (n: string) =>
    ({ Total_SF: "Living area", Gr_Liv_Area: "Living area", Fireplaces: "Rooms" })[n] ?? "Location";
  const sources = (n: string) =>
    ({
      Total_SF: ["Gr_Liv_Area", "Total_Bsmt_SF"],
      Gr_Liv_Area: ["Gr_Liv_Area"],
      Fireplaces: ["Fireplaces"],
      Nearby_PPSF: ["Longitude", "Latitude"],
    })[n] ?? [];

  it("marks the parts that rest only on filled-in fields, and keeps the total", () => {
    const phi = [0.2, 0.1, -0.05, 0.03];
    const out = groupContributionsBySource(phi, names, factor, sources, [
      "Fireplaces",
      "Longitude",
      "Latitude",
    ]);
    expect(out).toEqual([
      { factor: "Living area", value: expect.closeTo(0.3, 12), imputed: false },
      { factor: "Rooms", value: -0.05, imputed: true },
      { factor: "Location", value: 0.03, imputed: true },
    ]);
    expect(out.reduce((a, x) => a + x.value, 0)).toBeCloseTo(0.28, 12);
  });

  it("splits a factor whose features rest partly on given and partly on filled-in fields", () => {
    const out = groupContributionsBySource([0.2, 0.1, 0, 0], names, factor, sources, [
      "Total_Bsmt_SF",
      "Gr_Liv_Area",
    ]);
    // Total_SF depends on both imputed fields here; nothing given remains in Living area.
    expect(out.filter((x) => x.factor === "Living area")).toEqual([
      { factor: "Living area", value: expect.closeTo(0.3, 12), imputed: true },
    ]);
    const partly = groupContributionsBySource([0.2, 0.1, 0, 0], names, factor, sources, [
      "Total_Bsmt_SF",
    ]);
    expect(partly.find((x) => x.factor === "Living area")).toMatchObject({ imputed: false });
  });

  it("gives the base value as a price", () => {
    expect(basePrice(Math.log(180000))).toBeCloseTo(180000, 6);
  });
});

describe("reference histograms and PSI", () => {
  it("puts a value on an edge into the lower bin", () => {
    expect([0, 1, 1.5, 2, 9].map((x) => binIndex([1, 2], x))).toEqual([0, 0, 1, 1, 2]);
    expect(histogramShares([1, 2], [0, 1, 1.5, 3])).toEqual([0.5, 0.25, 0.25]);
  });

  it("is 0 for identical shares, grows with the shift and never is infinite", () => {
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
    const small = psi([0.5, 0.5], [0.55, 0.45]);
    const large = psi([0.5, 0.5], [0.9, 0.1]);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(0.25);
    expect(Number.isFinite(psi([0.5, 0.5, 0], [0, 0.5, 0.5]))).toBe(true);
    expect(() => psi([1], [0.5, 0.5])).toThrow(/1 expected shares, 2 actual/);
  });
});

import { describe, expect, it } from "vitest";
import { conformalQuantile, priceInterval } from "~/ml/interval";
import { median, regressionMetrics } from "~/ml/metrics";

describe("conformalQuantile", () => {
  it("takes the ⌈(n+1)·level⌉-th smallest residual", () => {
    const r = [0.5, 0.1, 0.4, 0.2, 0.3, 0.9, 0.8, 0.7, 0.6, 1.0]; // n = 10
    expect(conformalQuantile(r, 0.9)).toBe(1.0); // ⌈9.9⌉ = 10th
    expect(conformalQuantile(r, 0.5)).toBe(0.6); // ⌈5.5⌉ = 6th
  });

  it("is infinite when there are too few residuals for the level", () => {
    expect(conformalQuantile([0.1, 0.2], 0.9)).toBe(Infinity);
    expect(() => conformalQuantile([0.1], 1)).toThrow(/level/);
  });
});

describe("priceInterval", () => {
  it("exponentiates log-space bounds", () => {
    const i = priceInterval(Math.log(200000), Math.log(1.2), 0.9);
    expect(i.lower).toBeCloseTo(200000 / 1.2, 6);
    expect(i.upper).toBeCloseTo(240000, 6);
    expect(i.level).toBe(0.9);
  });
});

describe("regressionMetrics", () => {
  it("computes RMSLE, MAE, MAPE, median APE, R² and coverage (hand-checked)", () => {
    const actual = [100, 200, 400];
    const pred = [Math.log(110), Math.log(200), Math.log(300)];
    const m = regressionMetrics(actual, pred, 0.2);
    const d = [Math.log(100 / 110), 0, Math.log(400 / 300)];
    expect(m.rmsle).toBeCloseTo(Math.sqrt(d.reduce((a, x) => a + x * x, 0) / 3), 12);
    expect(m.mae).toBeCloseTo((10 + 0 + 100) / 3, 9);
    expect(m.mape).toBeCloseTo((10 + 0 + 25) / 3, 9);
    expect(m.medape).toBeCloseTo(10, 9);
    // SS_tot around mean 233.33: 1333.3² … computed directly
    const mean = 700 / 3;
    const ssTot = actual.reduce((a, x) => a + (x - mean) ** 2, 0);
    expect(m.r2).toBeCloseTo(1 - (100 + 0 + 10000) / ssTot, 9);
    expect(m.coverage).toBeCloseTo(2 / 3, 12); // |log(4/3)| = 0.288 > 0.2
    expect(m.n).toBe(3);
  });
});

describe("median", () => {
  it("is the middle value, the mean of the two middle ones for an even count, NaN for none", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(median([])).toBeNaN();
    const xs = [2, 1];
    median(xs);
    expect(xs).toEqual([2, 1]); // its input is left as it was
  });
});

import { describe, expect, it } from "vitest";
import { OTHER_FACTORS, basePrice, describeFactors, factorBars } from "~/components/charts/factors";

const contributions = [
  { imputed: false, factor: "Living area", value: 0.2 },
  { imputed: false, factor: "Location", value: -0.15 },
  { imputed: false, factor: "Age", value: 0.05 },
  { imputed: false, factor: "Garage", value: -0.03 },
  { imputed: false, factor: "Rooms", value: 0.01 },
  { imputed: false, factor: "Sale", value: -0.004 },
  { imputed: false, factor: "Lot", value: 0.00001 },
];

describe("factorBars", () => {
  it("keeps every factor that matters when they fit, largest |effect| first", () => {
    const bars = factorBars(contributions, 8);
    expect(bars.map((b) => b.factor)).toEqual([
      "Living area",
      "Location",
      "Age",
      "Garage",
      "Rooms",
      "Sale",
    ]); // "Lot" (1e-5 log) is below the noise floor
    expect(bars[0].effect).toBeCloseTo(Math.expm1(0.2), 12);
    expect(bars.every((b) => b.count === 1)).toBe(true);
  });

  it("sums the tail into one 'Other factors' bar so the total is unchanged", () => {
    const bars = factorBars(contributions, 4);
    expect(bars).toHaveLength(4);
    expect(bars.map((b) => b.factor)).toEqual(["Living area", "Location", "Age", OTHER_FACTORS]);
    const other = bars[3];
    expect(other.count).toBe(3);
    expect(other.log).toBeCloseTo(-0.03 + 0.01 - 0.004, 12);
    const total = bars.reduce((s, b) => s + b.log, 0);
    const expected = contributions
      .filter((c) => Math.abs(c.value) >= 1e-4)
      .reduce((s, c) => s + c.value, 0);
    expect(total).toBeCloseTo(expected, 12);
  });

  it("does not reorder its input and rejects a chart with no room for the tail", () => {
    const input = [...contributions];
    factorBars(input, 3);
    expect(input).toEqual(contributions);
    expect(() => factorBars(contributions, 1)).toThrow(/maxBars/);
  });

  it("the base price times every effect gives back the prediction", () => {
    const base = 12;
    const bars = factorBars(contributions, 3, 0);
    const price = bars.reduce((p, b) => p * (1 + b.effect), basePrice(base));
    const expected = Math.exp(base + contributions.reduce((s, c) => s + c.value, 0));
    expect(price).toBeCloseTo(expected, 6);
  });
});

describe("describeFactors", () => {
  it("names the strongest push up and down, ignoring the 'Other' bar", () => {
    expect(describeFactors(factorBars(contributions, 8))).toBe(
      "Living area raised the estimate the most; Location lowered it the most.",
    );
    expect(describeFactors([{ factor: OTHER_FACTORS, log: 0.3, effect: 0.35, count: 9 }])).toBe(
      "No factor moved the estimate noticeably.",
    );
  });
});

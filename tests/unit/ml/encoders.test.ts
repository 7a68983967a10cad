import { describe, expect, it } from "vitest";
import {
  assignFolds,
  fitFrequencyEncoder,
  fitTargetEncoder,
  frequencyLookup,
  targetLookup,
} from "~/ml/encoders";

describe("target encoder", () => {
  it("smooths level means towards the prior (hand-checked)", () => {
    // prior = (1 + 3 + 10) / 3 = 14/3; a: (1 + 3 + 2·14/3) / (2 + 2); b: (10 + 2·14/3) / (1 + 2)
    const enc = fitTargetEncoder(["a", "a", "b"], [1, 3, 10], 2);
    expect(enc.prior).toBeCloseTo(14 / 3, 12);
    expect(enc.map.a).toBeCloseTo((4 + 28 / 3) / 4, 12);
    expect(enc.map.b).toBeCloseTo((10 + 28 / 3) / 3, 12);
  });

  it("encodes a level the training data never saw with the prior, explicitly", () => {
    const enc = fitTargetEncoder(["a", "b"], [1, 2], 5, 7);
    expect(enc.prior).toBe(7);
    expect(targetLookup(enc)("never-seen")).toBe(7);
    expect(targetLookup(enc)("a")).toBeCloseTo((1 + 35) / 6, 12);
  });

  it("does not depend on row order", () => {
    const a = fitTargetEncoder(["x", "y", "x"], [1, 2, 3], 1);
    const b = fitTargetEncoder(["x", "x", "y"], [3, 1, 2], 1);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe("frequency encoder", () => {
  it("maps levels to their share of training rows and unseen levels to 0", () => {
    const enc = fitFrequencyEncoder(["a", "b", "a", "a"]);
    expect(enc.map).toEqual({ a: 0.75, b: 0.25 });
    expect(frequencyLookup(enc)("c")).toBe(0);
  });
});

describe("assignFolds", () => {
  it("is deterministic, balanced and seed-dependent", () => {
    const f = assignFolds(103, 5, 1);
    expect(Array.from(assignFolds(103, 5, 1))).toEqual(Array.from(f));
    const sizes = [0, 0, 0, 0, 0];
    f.forEach((k) => sizes[k]++);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(Array.from(assignFolds(103, 5, 2))).not.toEqual(Array.from(f));
  });
});

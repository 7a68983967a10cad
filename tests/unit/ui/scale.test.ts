import { describe, expect, it } from "vitest";
import { compactPrice, linearScale, logTicks } from "~/components/charts/scale";

describe("scales", () => {
  it("maps a domain onto a range, reversed ranges included", () => {
    const x = linearScale([0, 10], [100, 200]);
    expect(x(0)).toBe(100);
    expect(x(5)).toBe(150);
    const y = linearScale([0, 10], [200, 100]);
    expect(y(10)).toBe(100);
    expect(linearScale([3, 3], [0, 10])(3)).toBe(5);
  });

  it("log ticks are 1, 2, 5 × 10^n inside the domain", () => {
    expect(logTicks(30_000, 800_000)).toEqual([50_000, 100_000, 200_000, 500_000]);
    expect(logTicks(0, 10)).toEqual([]);
  });

  it("compact prices for axes", () => {
    expect(compactPrice(150_000)).toBe("$150k");
    expect(compactPrice(1_250_000)).toBe("$1.3M");
    expect(compactPrice(999)).toBe("$999");
  });
});

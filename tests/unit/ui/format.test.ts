import { describe, expect, it } from "vitest";
import {
  formatLogEffect,
  formatMetric,
  formatPercent,
  formatPrice,
  humanizeLevel,
  sentence,
} from "~/components/format";

describe("formatPrice", () => {
  it("rounds to the step and formats as US dollars", () => {
    expect(formatPrice(187_449)).toBe("$187,400");
    expect(formatPrice(187_451)).toBe("$187,500");
    expect(formatPrice(187_500, 1000)).toBe("$188,000");
    expect(formatPrice(15_024.4, 1)).toBe("$15,024");
  });
  it("shows a dash for non-numbers instead of $NaN", () => {
    expect(formatPrice(Number.NaN)).toBe("—");
    expect(formatPrice(Infinity)).toBe("—");
  });
});

describe("formatPercent", () => {
  it("uses one decimal below 10% and none above", () => {
    expect(formatPercent(0.0567)).toBe("5.7%");
    expect(formatPercent(0.1234)).toBe("12%");
    expect(formatPercent(0.871)).toBe("87%");
  });
  it("signs on request with a real minus sign, and never signs a rounded zero", () => {
    expect(formatPercent(0.05, { signed: true })).toBe("+5.0%");
    expect(formatPercent(-0.05, { signed: true })).toBe("\u22125.0%");
    expect(formatPercent(-0.0004, { signed: true })).toBe("0.0%");
    expect(formatPercent(-0.05)).toBe("\u22125.0%");
  });
});

describe("formatLogEffect", () => {
  it("turns a log-price contribution into the % change of the price", () => {
    expect(formatLogEffect(Math.log(1.25))).toBe("+25%");
    expect(formatLogEffect(Math.log(0.8))).toBe("\u221220%");
    expect(formatLogEffect(0)).toBe("0.0%");
  });
});

describe("formatMetric", () => {
  it("knows each manifest metric's unit (MAPE in percent, coverage as a fraction)", () => {
    expect(formatMetric("mae", 15_024.4)).toBe("$15,024");
    expect(formatMetric("mape", 10.738)).toBe("11%");
    expect(formatMetric("medape", 6.435)).toBe("6.4%");
    expect(formatMetric("coverage", 0.871)).toBe("87%");
    expect(formatMetric("r2", 0.91405)).toBe("0.914");
    expect(formatMetric("rmsle", 0.16217)).toBe("0.162");
  });
});

describe("labels", () => {
  it("humanises level names and capitalises messages", () => {
    expect(humanizeLevel("South_and_West_of_Iowa_State_University")).toBe(
      "South and West of Iowa State University",
    );
    expect(sentence("must be at least 100")).toBe("Must be at least 100");
    expect(sentence("")).toBe("");
  });
});

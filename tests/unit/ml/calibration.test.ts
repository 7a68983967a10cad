import { describe, expect, it } from "vitest";
import {
  calibratedInterval,
  calibrationCell,
  givenLevel,
  missingShare,
  saleKnowledge,
  type Calibration,
} from "~/ml/calibration";
import { OPTIONAL_FIELDS } from "~/ml/fields";

// Optional information split 0.5 / 0.3 / 0.2 over three fields, the rest weightless.
const CALIB: Calibration = {
  level: 0.9,
  field_weights: {
    ...Object.fromEntries(OPTIONAL_FIELDS.map((f) => [f, 0])),
    Fireplaces: 0.5,
    Functional: 0.3,
    Sale_Condition: 0.2,
  },
  given_bounds: { full: 0.05, most: 0.5, some: 0.95 },
  cells: [
    { given: "full", sale: "typical", n: 100, q: 0.1 },
    { given: "full", sale: "atypical", n: 50, q: 0.3 },
    { given: "full", sale: "any", n: 150, q: 0.12 },
    { given: "most", sale: "any", n: 100, q: 0.15 },
    { given: "some", sale: "unknown", n: 80, q: 0.18 },
    { given: "some", sale: "any", n: 100, q: 0.17 },
    { given: "required", sale: "any", n: 100, q: 0.2 },
  ],
  sparse_above: 2,
  sparse_factor: 1.5,
};

describe("what was given", () => {
  it("weights the imputed optional fields by their share of the information", () => {
    expect(missingShare([], CALIB)).toBe(0);
    expect(missingShare(["Functional", "Sale_Condition"], CALIB)).toBeCloseTo(0.5, 12);
    expect(missingShare(["Latitude"], CALIB)).toBe(0); // weightless
  });

  it("maps the share missing to full / most / some / required", () => {
    expect(givenLevel(["Latitude", "Longitude"], CALIB)).toBe("full");
    expect(givenLevel(["Sale_Condition"], CALIB)).toBe("most"); // 0.2
    expect(givenLevel(["Fireplaces"], CALIB)).toBe("most"); // 0.5, bound inclusive
    expect(givenLevel(["Fireplaces", "Sale_Condition"], CALIB)).toBe("some"); // 0.7
    expect(givenLevel(["Fireplaces", "Functional", "Sale_Condition"], CALIB)).toBe("required");
    // Nothing optional given is "required" even if the weights left something out.
    expect(givenLevel([...OPTIONAL_FIELDS], { ...CALIB, field_weights: {} })).toBe("required");
  });

  it("knows the sale condition only when given", () => {
    expect(saleKnowledge(undefined)).toBe("unknown");
    expect(saleKnowledge("Normal")).toBe("typical");
    expect(saleKnowledge("Partial")).toBe("typical");
    expect(saleKnowledge("Abnorml")).toBe("atypical");
    expect(saleKnowledge("Family")).toBe("atypical");
  });
});

describe("calibrationCell", () => {
  it("uses the (given, sale) cell, else the given level's pooled cell, else required", () => {
    expect(calibrationCell(CALIB, "full", "atypical").q).toBe(0.3);
    expect(calibrationCell(CALIB, "most", "typical").q).toBe(0.15); // most/any
    expect(calibrationCell(CALIB, "some", "unknown").q).toBe(0.18);
    const noSome = { ...CALIB, cells: CALIB.cells.filter((c) => c.given !== "some") };
    expect(calibrationCell(noSome, "some", "typical").q).toBe(0.2);
    expect(() => calibrationCell({ ...CALIB, cells: [] }, "full", "typical")).toThrow(
      /required\/any/,
    );
  });
});

describe("calibratedInterval", () => {
  const log = Math.log(200_000);

  it("a full record of a typical sale gets its cell's half-width, in log space", () => {
    const iv = calibratedInterval(log, CALIB, { imputed: [], saleCondition: "Normal" });
    expect(iv).toMatchObject({ level: 0.9, half_width: 0.1, group: "full/typical", widened: [] });
    expect(iv.lower).toBeCloseTo(200_000 * Math.exp(-0.1), 6);
    expect(iv.upper).toBeCloseTo(200_000 * Math.exp(0.1), 6);
  });

  it("is wider when less was given and for atypical sales", () => {
    const widths = [
      calibratedInterval(log, CALIB, { imputed: [], saleCondition: "Normal" }),
      calibratedInterval(log, CALIB, { imputed: [], saleCondition: "Abnorml" }),
      calibratedInterval(log, CALIB, { imputed: [...OPTIONAL_FIELDS] }),
    ].map((iv) => [iv.group, iv.half_width]);
    expect(widths).toEqual([
      ["full/typical", 0.1],
      ["full/atypical", 0.3],
      ["required/any", 0.2],
    ]);
  });

  it("widens homes unlike the training sales and out-of-range ones by the factor", () => {
    const base = { imputed: [], saleCondition: "Normal" };
    expect(calibratedInterval(log, CALIB, { ...base, similarity: 2 }).half_width).toBe(0.1);
    const sparse = calibratedInterval(log, CALIB, { ...base, similarity: 2.5 });
    expect(sparse.half_width).toBeCloseTo(0.15, 12);
    expect(sparse.widened).toEqual(["few_similar_homes"]);
    const both = calibratedInterval(log, CALIB, { ...base, similarity: 3, outOfRange: true });
    expect(both.half_width).toBeCloseTo(0.15, 12); // the factor applies once
    expect(both.widened).toEqual(["few_similar_homes", "out_of_range"]);
  });

  it("adds what the estimate extrapolates beyond the training range", () => {
    const iv = calibratedInterval(log, CALIB, {
      imputed: [],
      saleCondition: "Normal",
      outOfRange: true,
      extrapolation: -0.4,
    });
    expect(iv.half_width).toBeCloseTo(0.1 * 1.5 + 0.4, 12);
    expect(iv.widened).toEqual(["out_of_range", "extrapolation"]);
    expect(iv.upper / iv.lower).toBeCloseTo(Math.exp(2 * iv.half_width), 9);
  });
});

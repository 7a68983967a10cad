import { describe, expect, it } from "vitest";
import type { Reference } from "~/ml/reference";
import type { PropertyRecord } from "~/ml/schema";
import { isOutOfRange, recordWarnings, type WarningCode } from "~/ml/warnings";
import { HOUSE, house } from "./records";

// Training ranges for a few fields (quantiles[0] = min, last = max).
const num = (min: number, max: number) => ({
  kind: "number" as const,
  missing_share: 0,
  quantiles: [min, (min + max) / 2, max],
  histogram: { edges: [], shares: [1] },
});
const REF: Reference = {
  version: 1,
  rows: 2584,
  years: [2006, 2007, 2008, 2009],
  fields: {
    Gr_Liv_Area: num(334, 3820),
    Lot_Area: num(1300, 215245),
    Year_Built: num(1872, 2009),
    Year_Remod_Add: num(1950, 2009),
    Year_Sold: num(2006, 2009),
    Neighborhood: {
      kind: "category",
      missing_share: 0,
      shares: { North_Ames: 0.6, Somerset: 0.4 },
    },
  },
  prediction: { edges: [], train: [1], holdout: [1], quantiles: [] },
};

const codes = (r: PropertyRecord) => recordWarnings(r, REF).map((w) => `${w.field}:${w.code}`);

describe("recordWarnings", () => {
  it("gives a home inside the training data no warning", () => {
    expect(recordWarnings(HOUSE, REF)).toEqual([]);
  });

  it("warns for each given value outside the training range, with the range in words", () => {
    const w = recordWarnings(house({ Gr_Liv_Area: 20000, Lot_Area: 1_000_000 }), REF);
    expect(w.map((x) => `${x.field}:${x.code}`)).toEqual([
      "Lot_Area:above_training_range",
      "Gr_Liv_Area:above_training_range",
    ]);
    expect(w[1].message).toMatch(/20,000 is above the largest in the training sales \(3,820\)/);
    const tiny = { Gr_Liv_Area: 200, First_Flr_SF: 200, Second_Flr_SF: 0 };
    expect(codes(house(tiny))).toEqual(["Gr_Liv_Area:below_training_range"]);
    expect(w.every(isOutOfRange)).toBe(true);
  });

  it("lists range warnings in the order the fields were given, whatever the reference's order", () => {
    const given = house({ Gr_Liv_Area: 20000, Lot_Area: 1_000_000, Neighborhood: "Somerset" });
    const reversed = Object.fromEntries(Object.entries(given).reverse()) as PropertyRecord;
    expect(codes(reversed)).toEqual([
      "Gr_Liv_Area:above_training_range",
      "Lot_Area:above_training_range",
    ]);
    expect(codes(given)).toEqual([
      "Lot_Area:above_training_range",
      "Gr_Liv_Area:above_training_range",
    ]);
  });

  it("warns for a year built after the last training sale", () => {
    expect(codes(house({ Year_Built: 2010, Year_Remod_Add: 2010 }))).toEqual([
      "Year_Built:above_training_range",
      "Year_Remod_Add:above_training_range",
    ]);
  });

  it("does not range-check the sale date (the model prices later sales)", () => {
    expect(codes(house({ Year_Sold: 2010 }))).toEqual([]);
  });

  it("warns for a level the training rows never had", () => {
    const w = recordWarnings(house({ Neighborhood: "Landmark" }), REF);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ field: "Neighborhood", code: "level_not_in_training" });
    expect(w[0].message).toContain('"Landmark"');
  });

  it("checks only the fields that were given", () => {
    const { Lot_Area: _omit, ...given } = HOUSE;
    expect(
      recordWarnings(given, { ...REF, fields: { ...REF.fields, Lot_Area: num(0, 1) } }),
    ).toEqual([]);
  });

  const combos: [Record<string, number>, WarningCode, string][] = [
    [
      { First_Flr_SF: 2000, Gr_Liv_Area: 1800, Second_Flr_SF: 0 },
      "first_floor_exceeds_living_area",
      "First_Flr_SF",
    ],
    [
      { First_Flr_SF: 1000, Second_Flr_SF: 900, Gr_Liv_Area: 1800 },
      "floors_exceed_living_area",
      "Second_Flr_SF",
    ],
    [{ Total_Bsmt_SF: 800, Bsmt_Unf_SF: 900 }, "basement_parts_exceed_total", "Bsmt_Unf_SF"],
    [
      { Total_Bsmt_SF: 800, Bsmt_Unf_SF: 500, BsmtFin_SF_2: 400 },
      "basement_parts_exceed_total",
      "BsmtFin_SF_2",
    ],
    [
      { Year_Built: 2009, Year_Remod_Add: 2009, Year_Sold: 2008, Mo_Sold: 6 },
      "built_after_sale",
      "Year_Built",
    ],
    [{ Year_Built: 1990, Year_Remod_Add: 1985 }, "remodelled_before_built", "Year_Remod_Add"],
    [{ Year_Remod_Add: 2009, Year_Sold: 2008 }, "remodelled_after_sale", "Year_Remod_Add"],
    [{ Garage_Cars: 0, Garage_Area: 400 }, "garage_cars_and_area_disagree", "Garage_Area"],
    [{ Garage_Cars: 2, Garage_Area: 0 }, "garage_cars_and_area_disagree", "Garage_Area"],
  ];
  for (const [patch, code, field] of combos) {
    it(`warns ${code} for ${JSON.stringify(patch)}`, () => {
      const w = recordWarnings(house(patch), REF).filter((x) => !isOutOfRange(x));
      expect(w.map((x) => `${x.field}:${x.code}`)).toContain(`${field}:${code}`);
      // A remodelling year equal to a later build year is also after the sale.
      expect(w.length).toBe(code === "built_after_sale" ? 2 : 1);
      expect(w.every((x) => x.message.length > 20)).toBe(true);
    });
  }

  it("leaves combinations alone when one side is not given", () => {
    const { First_Flr_SF: _a, Second_Flr_SF: _b, ...noFloors } = house({ Gr_Liv_Area: 500 });
    expect(recordWarnings(noFloors, REF)).toEqual([]);
  });

  it("says few similar homes above the bundle's similarity threshold only", () => {
    const at = recordWarnings(HOUSE, REF, { distance: 2, sparseAbove: 2 });
    expect(at).toEqual([]);
    const above = recordWarnings(HOUSE, REF, { distance: 2.01, sparseAbove: 2 });
    expect(above).toMatchObject([{ field: "record", code: "few_similar_homes" }]);
    expect(isOutOfRange(above[0])).toBe(false);
  });
});

describe("warning messages", () => {
  it("print years as years and sizes with separators", () => {
    const messages = recordWarnings(house({ Year_Built: 1800, Gr_Liv_Area: 20000 }), REF).map(
      (w) => w.message,
    );
    expect(messages.join("\n")).toContain("1800");
    expect(messages.join("\n")).not.toContain("1,800");
    expect(messages.join("\n")).toContain("20,000");
  });
});

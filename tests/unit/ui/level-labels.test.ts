import { describe, expect, it } from "vitest";
import { FIELDS } from "~/ml/fields";
import { hasWrittenLabel, levelLabel } from "~/ml/level-labels";
import { selectOptions } from "~/components/form-fields";

// The levels shown through the fallback (underscores → spaces) because they already are words.
// A new code in fields.ts fails this test until it gets a written label (or is listed here).
const QUALITY = ["Poor", "Fair", "Typical", "Good", "Excellent"];
const WORD_LEVELS: Record<string, string[]> = {
  Neighborhood: FIELDS.find((f) => f.name === "Neighborhood")!.levels as string[],
  MS_Zoning: [
    "Floating_Village_Residential",
    "Residential_High_Density",
    "Residential_Low_Density",
    "Residential_Medium_Density",
  ],
  Overall_Cond: [
    "Very_Poor",
    "Poor",
    "Fair",
    "Below_Average",
    "Average",
    "Above_Average",
    "Good",
    "Very_Good",
    "Excellent",
  ],
  Exter_Cond: QUALITY,
  Heating_QC: QUALITY,
  Roof_Style: ["Flat", "Gable", "Hip", "Mansard", "Shed"],
  Roof_Matl: ["Metal"],
  Exterior_1st: ["Plywood", "Stone", "Stucco"],
  Exterior_2nd: ["Other", "Plywood", "Stone", "Stucco"],
  Mas_Vnr_Type: ["Stone"],
  Pool_QC: ["No_Pool", ...QUALITY],
  Paved_Drive: ["Partial_Pavement", "Paved"],
  Alley: ["Gravel", "No_Alley_Access", "Paved"],
  Lot_Shape: ["Irregular", "Moderately_Irregular", "Slightly_Irregular", "Regular"],
  Bsmt_Cond: ["No_Basement", ...QUALITY],
  Bsmt_Exposure: ["No_Basement"],
  BsmtFin_Type_1: ["No_Basement"],
  BsmtFin_Type_2: ["No_Basement"],
  Garage_Type: ["No_Garage"],
  Garage_Finish: ["No_Garage"],
  Garage_Cond: ["No_Garage", ...QUALITY],
};

describe("category level labels", () => {
  it("every code that is not already a word has a written label", () => {
    const fallback: Record<string, string[]> = {};
    for (const f of FIELDS) {
      if (f.kind !== "category") continue;
      const plain = (f.levels ?? []).filter((code) => !hasWrittenLabel(f.name, code));
      if (plain.length > 0) fallback[f.name] = plain;
    }
    expect(fallback).toEqual(WORD_LEVELS);
  });

  it("the codes people tripped on read as words", () => {
    const cases: [string, string, RegExp][] = [
      ["Condition_1", "Feedr", /feeder street/],
      ["Condition_1", "RRAe", /east–west railway/],
      ["Lot_Config", "CulDSac", /^Cul-de-sac$/],
      ["Lot_Config", "FR2", /two sides/],
      ["Land_Contour", "Bnk", /^Banked/],
      ["Land_Contour", "HLS", /^Hillside/],
      ["BsmtFin_Type_1", "GLQ", /^Good living quarters$/],
      ["Sale_Type", "COD", /court officer/i],
      ["Sale_Type", "ConLD", /low down payment/],
      ["Sale_Condition", "Abnorml", /foreclosure/],
      ["Sale_Condition", "Alloca", /^Allocation/],
      ["Roof_Matl", "Tar&Grv", /^Tar and gravel$/],
      ["Functional", "Typ", /^Typical$/],
      ["Functional", "Min1", /^Minor deductions/],
      ["Functional", "Sal", /^Salvage only$/],
      ["Land_Slope", "Sev", /^Severe$/],
      ["Functional", "Sev", /^Severely damaged$/],
    ];
    for (const [field, code, label] of cases) expect(levelLabel(field, code)).toMatch(label);
  });

  it("the form's drop-downs show labels but submit the codes", () => {
    const spec = FIELDS.find((f) => f.name === "Lot_Config")!;
    const options = selectOptions(spec)!;
    expect(options.map((o) => o.value)).toEqual(spec.levels);
    expect(options.find((o) => o.value === "CulDSac")?.label).toBe("Cul-de-sac");
    // No drop-down shows a raw code or an underscore.
    for (const f of FIELDS.filter((x) => x.kind === "category")) {
      for (const o of selectOptions(f)!) expect(o.label).not.toMatch(/_|[a-z][A-Z]/);
    }
  });
});

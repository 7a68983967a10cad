import { describe, expect, it } from "vitest";
import { REQUIRED_FIELDS } from "~/ml/fields";
import {
  FEATURE_NAMES,
  FeatureStateSchema,
  TOTAL_SF,
  featureFactor,
  featureSources,
  featurize,
  INCREASING,
  ORDINALS,
  rowSource,
  type FeatureState,
} from "~/ml/features";
import { FIELD_BY_NAME } from "~/ml/fields";
import { assignFolds, fitTargetEncoder } from "~/ml/encoders";
import {
  featurizeTrainOOF,
  fitFeatureState,
  TARGET_SMOOTHING,
} from "../../../training/fit-features";
import { HOUSE, house, requiredOnly } from "./records";

// A tiny "training split": four houses in two neighbourhoods.
const TRAIN = [
  house({}),
  house({
    Gr_Liv_Area: 2000,
    First_Flr_SF: 1000,
    Second_Flr_SF: 1000,
    Garage_Cars: 1,
    Garage_Area: 300,
  }),
  house({
    Neighborhood: "Somerset",
    Longitude: -93.64,
    Latitude: 42.05,
    Year_Built: 2005,
    Year_Remod_Add: 2006,
  }),
  house({
    Neighborhood: "Somerset",
    Longitude: -93.645,
    Latitude: 42.052,
    Garage_Cars: 3,
    Garage_Area: 900,
  }),
];
const Y = [12, 12.2, 12.5, 12.7];
const STATE: FeatureState = fitFeatureState(TRAIN, Y, FEATURE_NAMES);

function value(fm: { matrix: Float32Array; nFeatures: number }, row: number, name: string): number {
  return fm.matrix[row * fm.nFeatures + STATE.features.indexOf(name)];
}

describe("featurize", () => {
  it("computes engineered features (hand-checked on the first Ames row)", () => {
    const fm = featurize([HOUSE], STATE);
    expect(fm.nRows).toBe(1);
    expect(fm.nFeatures).toBe(FEATURE_NAMES.length);
    expect(fm.matrix).toHaveLength(FEATURE_NAMES.length);
    expect(value(fm, 0, "Total_SF")).toBe(1656 + 1080);
    expect(value(fm, 0, "Age")).toBe(2010 - 1960);
    expect(value(fm, 0, "Years_Since_Remod")).toBe(50);
    expect(value(fm, 0, "Total_Baths")).toBe(1 + 0 + 1 + 0);
    expect(value(fm, 0, "Bsmt_Fin_SF")).toBe(1080 - 441);
    expect(value(fm, 0, "Sale_Time")).toBe(Math.fround(2010 + 4 / 12));
    // Ordinal ranks are the level's index in fields.ts (worst first).
    expect(value(fm, 0, "Overall_Cond")).toBe(4); // Average on Very_Poor=0 … Excellent=8
    expect(value(fm, 0, "Heating_QC")).toBe(1); // Fair on Poor=0 … Excellent=4
    expect(value(fm, 0, "Land_Slope")).toBe(2); // Gtl on Sev=0, Mod=1, Gtl=2
    expect(value(fm, 0, "Garage_Finish")).toBe(3); // Fin
    expect(value(fm, 0, "Longitude")).toBe(Math.fround(-93.619754));
    expect(fm.imputed).toEqual([[]]);
  });

  it("target-encodes with smoothing and gives unseen-in-train levels the prior", () => {
    const prior = Y.reduce((a, b) => a + b) / 4;
    const fm = featurize([HOUSE, house({ Neighborhood: "Veenker" })], STATE);
    const northAmes = (12 + 12.2 + TARGET_SMOOTHING * prior) / (2 + TARGET_SMOOTHING);
    expect(value(fm, 0, "Neighborhood_TE")).toBe(Math.fround(northAmes));
    expect(value(fm, 1, "Neighborhood_TE")).toBe(Math.fround(prior));
    expect(value(fm, 0, "Neighborhood_Freq")).toBe(0.5);
    expect(value(fm, 1, "Neighborhood_Freq")).toBe(0);
  });

  it("imputes missing optional fields from training statistics and lists them", () => {
    const given = requiredOnly(REQUIRED_FIELDS);
    const fm = featurize([{ ...given, Neighborhood: "Somerset", Garage_Cars: 0 }], STATE);
    const imputed = fm.imputed[0];
    expect(new Set(imputed).size).toBe(imputed.length);
    expect(imputed.length + REQUIRED_FIELDS.length).toBe(73);
    expect(imputed).toContain("Latitude");
    expect(imputed).not.toContain("Gr_Liv_Area");
    // Location from the neighbourhood's training median, remodel year = year built.
    expect(value(fm, 0, "Longitude")).toBe(Math.fround((-93.64 + -93.645) / 2));
    expect(value(fm, 0, "Year_Remod_Add")).toBe(1960);
    // No garage → no garage area and the No_Garage level.
    expect(value(fm, 0, "Garage_Area")).toBe(0);
    expect(value(fm, 0, "Garage_Finish")).toBe(0);
    // Floors: all of the living area on the first floor when neither floor is given.
    expect(value(fm, 0, "First_Flr_SF")).toBe(1656);
    expect(value(fm, 0, "Second_Flr_SF")).toBe(0);
  });

  it("writes one float32 matrix for a batch, row-major", () => {
    const fm = featurize([HOUSE, house({ Gr_Liv_Area: 1000 })], STATE);
    expect(fm.matrix).toBeInstanceOf(Float32Array);
    expect(fm.matrix).toHaveLength(2 * fm.nFeatures);
    expect(value(fm, 1, "Gr_Liv_Area")).toBe(1000);
  });

  it("computes each row on its own, whatever came before it and whatever its key order", () => {
    const sparse = { ...requiredOnly(REQUIRED_FIELDS), Garage_Cars: 0 };
    const alone = featurize([sparse], STATE);
    // The compiled row function reuses one scratch row: a full record before must leave
    // nothing behind in the fields the sparse one lacks.
    const after = featurize([HOUSE, sparse], STATE);
    expect(Array.from(after.matrix.subarray(after.nFeatures))).toEqual(Array.from(alone.matrix));
    expect(after.imputed[1]).toEqual(alone.imputed[0]);
    // The same record with its keys in reverse order (another hidden class in V8).
    const reversed = Object.fromEntries(Object.entries(HOUSE).reverse());
    expect(Array.from(featurize([reversed], STATE).matrix)).toEqual(
      Array.from(featurize([HOUSE], STATE).matrix),
    );
  });

  it("refuses a feature that is not finite in float32, naming it and the row", () => {
    // 1e39 is a finite double but beyond float32's range: ONNX would get Infinity.
    const encoder = STATE.target.Neighborhood_TE;
    const huge = {
      ...STATE,
      target: { ...STATE.target, Neighborhood_TE: { ...encoder, map: { North_Ames: 1e39 } } },
    };
    expect(() => featurize([house({ Neighborhood: "Somerset" }), HOUSE], huge)).toThrow(
      "Feature Neighborhood_TE is not finite for row 1",
    );
  });

  it("rejects a state naming a feature this code does not know", () => {
    const bad = { ...STATE, features: [...STATE.features, "Mystery"] };
    expect(() => featurize([HOUSE], bad)).toThrow(/Mystery.*unknown/);
  });

  it("has a JSON-serialisable state that round-trips through its schema", () => {
    const back = FeatureStateSchema.parse(JSON.parse(JSON.stringify(STATE)));
    expect(Array.from(featurize([HOUSE], back).matrix)).toEqual(
      Array.from(featurize([HOUSE], STATE).matrix),
    );
  });

  it("maps every feature to a human-readable factor", () => {
    expect(featureFactor("Total_SF")).toBe("Living area");
    expect(featureFactor("Gr_Liv_Area")).toBe("Living area");
    expect(featureFactor("Neighborhood_TE")).toBe("Location");
    expect(featureFactor("Nearby_PPSF")).toBe("Location");
    for (const f of FEATURE_NAMES) expect(featureFactor(f), f).not.toBe("");
  });
});

describe("feature definitions", () => {
  it("derive ordinal ranks from the level order declared once in fields.ts", () => {
    for (const [field, ranks] of Object.entries(ORDINALS)) {
      const levels = FIELD_BY_NAME.get(field)?.levels ?? [];
      expect(FIELD_BY_NAME.get(field)?.ordinal, field).toBe(true);
      expect(Object.keys(ranks), field).toEqual([...levels]);
      levels.forEach((l, i) => expect(ranks[l]).toBe(i));
    }
    expect(Object.keys(ORDINALS)).toContain("Overall_Cond");
  });

  it("constrain only features that grow with more of a field, and drop Bsmt_Unf_SF", () => {
    expect(FEATURE_NAMES).not.toContain("Bsmt_Unf_SF");
    for (const f of INCREASING) expect(FEATURE_NAMES, f).toContain(f);
    // Ratios with a "more is better" field below the line would break monotonicity.
    expect(INCREASING.has("Area_Per_Room")).toBe(true);
    expect(INCREASING.has("Bedroom_AbvGr")).toBe(false);
  });

  it("name the raw fields each feature reads, all of them known fields", () => {
    expect(featureSources("Total_SF")).toEqual(["Gr_Liv_Area", "Total_Bsmt_SF"]);
    expect(featureSources("Nearby_PPSF")).toEqual(["Longitude", "Latitude"]);
    expect(featureSources("Neighborhood_TE")).toEqual(["Neighborhood"]);
    expect(featureSources("Mystery")).toEqual([]);
    for (const f of FEATURE_NAMES) {
      expect(featureSources(f).length, f).toBeGreaterThan(0);
      for (const src of featureSources(f))
        expect(FIELD_BY_NAME.has(src), `${f} ← ${src}`).toBe(true);
    }
  });

  it("print the generated row function: every field filled once, every feature written once", () => {
    const source = rowSource(STATE);
    for (const field of FIELD_BY_NAME.keys()) {
      expect(source.split(`r[${JSON.stringify(field)}] = v;`)).toHaveLength(2);
    }
    STATE.features.forEach((_, j) => expect(source).toContain(`out[base + ${j}] = fns[${j}](`));
    expect(source).not.toContain(`out[base + ${STATE.features.length}]`);
  });
});

describe("out-of-fold target encoding", () => {
  it("encodes each training row with encoders fitted on the other folds only", () => {
    const rows = Array.from({ length: 10 }, (_, i) =>
      house({ Neighborhood: i % 2 ? "Somerset" : "North_Ames", Gr_Liv_Area: 1000 + 100 * i }),
    );
    const y = rows.map((_, i) => 11 + i / 10);
    const state = fitFeatureState(rows, y, FEATURE_NAMES);
    const folds = 5;
    const fm = featurizeTrainOOF(rows, y, state, folds, 3);
    const full = featurize(rows, state);
    const j = state.features.indexOf("Neighborhood_TE");
    // Recompute by hand for every row: the encoder without the row's fold.
    const assignment = assignFolds(rows.length, folds, 3);
    for (let i = 0; i < rows.length; i++) {
      const others = rows.map((_, k) => k).filter((k) => assignment[k] !== assignment[i]);
      const enc = fitTargetEncoder(
        others.map((k) => rows[k].Neighborhood as string),
        others.map((k) => y[k]),
        TARGET_SMOOTHING,
      );
      expect(fm.matrix[i * fm.nFeatures + j]).toBe(
        Math.fround(enc.map[rows[i].Neighborhood as string] ?? enc.prior),
      );
      // …which differs from the in-sample encoding (the leak OOF avoids).
      expect(fm.matrix[i * fm.nFeatures + j]).not.toBe(full.matrix[i * fm.nFeatures + j]);
    }
    // Non-target features are the same as the plain transform.
    const g = state.features.indexOf("Gr_Liv_Area");
    for (let i = 0; i < rows.length; i++)
      expect(fm.matrix[i * fm.nFeatures + g]).toBe(1000 + 100 * i);
  });

  it("computes the nearby-sales feature of a training row without the row's own sale", () => {
    // Ten rows, fewer than k neighbours: a row's value is the mean over every row it may see.
    const rows = Array.from({ length: 10 }, (_, i) =>
      house({ Longitude: -93.6 - i / 1000, Latitude: 42.0 + i / 1000, Gr_Liv_Area: 1000 + 50 * i }),
    );
    const y = rows.map((_, i) => 11 + ((i * 7) % 10) / 10);
    const state = fitFeatureState(rows, y, FEATURE_NAMES);
    const folds = 5;
    const fm = featurizeTrainOOF(rows, y, state, folds, 3);
    const full = featurize(rows, state);
    const j = state.features.indexOf("Nearby_PPSF");
    const ppsf = rows.map((r, k) => y[k] - Math.log(TOTAL_SF(r as Record<string, number>)));
    const assignment = assignFolds(rows.length, folds, 3);
    for (let i = 0; i < rows.length; i++) {
      const others = ppsf.filter((_, k) => assignment[k] !== assignment[i]);
      const expected = others.reduce((a, b) => a + b, 0) / others.length;
      expect(fm.matrix[i * fm.nFeatures + j]).toBeCloseTo(expected, 4);
      expect(fm.matrix[i * fm.nFeatures + j]).not.toBe(full.matrix[i * fm.nFeatures + j]);
    }
  });
});

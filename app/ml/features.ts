// THE feature module: raw property records → float32 feature matrix. Imported by training and
// by serving; nothing else computes features. Browser-safe (no node imports).
import { z } from "zod";
import { FIELDS } from "./fields";
import type { PropertyRecord } from "./schema";
import {
  frequencyLookup,
  targetLookup,
  type FrequencyEncoder,
  type TargetEncoder,
} from "./encoders";
import { nearbyLookup } from "./nearby";

// ---------------------------------------------------------------------------------------------
// State (fitted on the training split only; stored in the bundle manifest)

const TargetEncoderSchema = z.object({
  prior: z.number(),
  smoothing: z.number(),
  map: z.record(z.string(), z.number()),
});

export const FeatureStateSchema = z.object({
  /** Feature names in model column order. */
  features: z.array(z.string()).min(1),
  impute: z.object({
    /** Training median (numeric) or mode (category) per raw field. */
    values: z.record(z.string(), z.union([z.number(), z.string()])),
    /** Training median [Longitude, Latitude] per neighbourhood. */
    geo: z.record(z.string(), z.tuple([z.number(), z.number()])),
    /** Training median garage area per car. */
    garage_area_per_car: z.number(),
  }),
  /** Target encoders keyed by feature name (see TARGET_ENCODED). */
  target: z.record(z.string(), TargetEncoderSchema),
  /** Frequency encoders keyed by feature name (see FREQUENCY_ENCODED). */
  frequency: z.record(z.string(), z.object({ map: z.record(z.string(), z.number()) })),
  /**
   * Spatial target encoding: training sales' locations and log price per total square foot;
   * a house gets the mean over its k nearest sales (out-of-fold for training rows).
   */
  nearby: z.object({
    k: z.number().int().min(1),
    lon: z.array(z.number()),
    lat: z.array(z.number()),
    value: z.array(z.number()),
  }),
});

export type FeatureState = z.infer<typeof FeatureStateSchema>;

// ---------------------------------------------------------------------------------------------
// Encodings

/** Ordered levels → integer rank (absent feature, e.g. No_Garage, ranks 0). */
function ranks(levels: readonly string[]): Record<string, number> {
  return Object.fromEntries(levels.map((l, i) => [l, i]));
}
const QUALITY = ["Poor", "Fair", "Typical", "Good", "Excellent"];
const QUALITY_OR_NONE = (none: string) => ({ [none]: 0, ...ranks(["_", ...QUALITY]) });

export const ORDINALS: Record<string, Record<string, number>> = {
  Overall_Cond: ranks([
    "_",
    "Very_Poor",
    "Poor",
    "Fair",
    "Below_Average",
    "Average",
    "Above_Average",
    "Good",
    "Very_Good",
    "Excellent",
  ]),
  Exter_Cond: ranks(["_", ...QUALITY]),
  Heating_QC: ranks(["_", ...QUALITY]),
  Bsmt_Cond: QUALITY_OR_NONE("No_Basement"),
  Garage_Cond: QUALITY_OR_NONE("No_Garage"),
  Pool_QC: QUALITY_OR_NONE("No_Pool"),
  Bsmt_Exposure: ranks(["No_Basement", "No", "Mn", "Av", "Gd"]),
  BsmtFin_Type_1: ranks(["No_Basement", "Unf", "LwQ", "Rec", "BLQ", "ALQ", "GLQ"]),
  BsmtFin_Type_2: ranks(["No_Basement", "Unf", "LwQ", "Rec", "BLQ", "ALQ", "GLQ"]),
  Garage_Finish: ranks(["No_Garage", "Unf", "RFn", "Fin"]),
  Functional: ranks(["Sal", "Sev", "Maj2", "Maj1", "Mod", "Min2", "Min1", "Typ"]),
  Lot_Shape: ranks(["Irregular", "Moderately_Irregular", "Slightly_Irregular", "Regular"]),
  Land_Slope: ranks(["Sev", "Mod", "Gtl"]),
  Paved_Drive: ranks(["Dirt_Gravel", "Partial_Pavement", "Paved"]),
  Central_Air: ranks(["N", "Y"]),
  Street: ranks(["Grvl", "Pave"]),
};

/** What a target encoder is fitted on: log price, or log price per total square foot. */
export type EncoderTarget = "log_price" | "log_price_per_sf";

/** Nominal categoricals → smoothed, out-of-fold (on train rows) target encoding. */
export const TARGET_ENCODED: readonly { feature: string; field: string; target: EncoderTarget }[] =
  [
    "Neighborhood",
    "MS_SubClass",
    "MS_Zoning",
    "Condition_1",
    "Condition_2",
    "Bldg_Type",
    "House_Style",
    "Roof_Style",
    "Roof_Matl",
    "Exterior_1st",
    "Exterior_2nd",
    "Mas_Vnr_Type",
    "Foundation",
    "Heating",
    "Electrical",
    "Garage_Type",
    "Sale_Type",
    "Sale_Condition",
    "Lot_Config",
    "Land_Contour",
    "Alley",
    "Fence",
    "Misc_Feature",
    "Utilities",
  ]
    .map((field) => ({ feature: `${field}_TE`, field, target: "log_price" as EncoderTarget }))
    .concat([
      { feature: "Neighborhood_PPSF_TE", field: "Neighborhood", target: "log_price_per_sf" },
    ]);

/** High-cardinality categoricals also get a frequency encoding. */
export const FREQUENCY_ENCODED: readonly { feature: string; field: string }[] = [
  "Neighborhood",
  "MS_SubClass",
  "Exterior_1st",
  "Exterior_2nd",
].map((field) => ({ feature: `${field}_Freq`, field }));

// ---------------------------------------------------------------------------------------------
// Feature definitions

/** A complete (imputed) record: every field has a value. */
type Row = Record<string, number | string>;
type Lookups = {
  target: Map<string, (l: string) => number>;
  freq: Map<string, (l: string) => number>;
  nearby: (lon: number, lat: number) => number;
};
/**
 * `bind` resolves a feature's encoders once per bundle; the returned function runs per row. A
 * feature of one field (`field` set) is given that field's value, any other the whole row.
 */
type FeatureDef = { name: string; factor: string } & (
  | { field: string; bind: (lk: Lookups) => (value: number | string) => number }
  | { field?: undefined; bind: (lk: Lookups) => (r: Row) => number }
);

const n = (r: Row, f: string) => r[f] as number;
const s = (r: Row, f: string) => r[f] as string;

export const TOTAL_SF = (r: Row) => n(r, "Gr_Liv_Area") + n(r, "Total_Bsmt_SF");

function raw(name: string, factor: string): FeatureDef {
  return { name, factor, field: name, bind: () => (value) => value as number };
}
function derived(name: string, factor: string, compute: (r: Row) => number): FeatureDef {
  return { name, factor, bind: () => compute };
}
/** A categorical field's level → its number (ordinal rank or a fitted encoder). */
function encoded(
  name: string,
  field: string,
  bind: (lk: Lookups) => (level: string) => number,
): FeatureDef {
  // A categorical field's value is a level string once validated: the encoder takes it as is.
  const bindValue = bind as (lk: Lookups) => (value: number | string) => number;
  return { name, factor: FIELD_FACTOR[field] ?? FACTOR.other, field, bind: bindValue };
}

const FACTOR = {
  living: "Living area",
  basement: "Basement",
  location: "Location",
  age: "Age",
  remodel: "Remodelling",
  baths: "Bathrooms",
  rooms: "Rooms",
  garage: "Garage",
  lot: "Lot",
  condition: "Condition",
  sale: "Sale",
  outdoor: "Outdoor space",
  type: "Building type",
  exterior: "Exterior",
  other: "Other",
} as const;

const FIELD_FACTOR: Record<string, string> = {
  Neighborhood: FACTOR.location,
  MS_Zoning: FACTOR.location,
  Condition_1: FACTOR.location,
  Condition_2: FACTOR.location,
  MS_SubClass: FACTOR.type,
  Bldg_Type: FACTOR.type,
  House_Style: FACTOR.type,
  Foundation: FACTOR.type,
  Roof_Style: FACTOR.exterior,
  Roof_Matl: FACTOR.exterior,
  Exterior_1st: FACTOR.exterior,
  Exterior_2nd: FACTOR.exterior,
  Mas_Vnr_Type: FACTOR.exterior,
  Heating: FACTOR.other,
  Electrical: FACTOR.other,
  Utilities: FACTOR.other,
  Garage_Type: FACTOR.garage,
  Sale_Type: FACTOR.sale,
  Sale_Condition: FACTOR.sale,
  Lot_Config: FACTOR.lot,
  Land_Contour: FACTOR.lot,
  Alley: FACTOR.lot,
  Fence: FACTOR.outdoor,
  Misc_Feature: FACTOR.other,
  Overall_Cond: FACTOR.condition,
  Exter_Cond: FACTOR.condition,
  Heating_QC: FACTOR.condition,
  Functional: FACTOR.condition,
  Bsmt_Cond: FACTOR.basement,
  Bsmt_Exposure: FACTOR.basement,
  BsmtFin_Type_1: FACTOR.basement,
  BsmtFin_Type_2: FACTOR.basement,
  Garage_Cond: FACTOR.garage,
  Garage_Finish: FACTOR.garage,
  Pool_QC: FACTOR.outdoor,
  Lot_Shape: FACTOR.lot,
  Land_Slope: FACTOR.lot,
  Paved_Drive: FACTOR.other,
  Central_Air: FACTOR.other,
  Street: FACTOR.lot,
};

const FEATURE_DEFS: readonly FeatureDef[] = [
  // Size
  derived("Total_SF", FACTOR.living, TOTAL_SF),
  raw("Gr_Liv_Area", FACTOR.living),
  raw("First_Flr_SF", FACTOR.living),
  raw("Second_Flr_SF", FACTOR.living),
  raw("Total_Bsmt_SF", FACTOR.basement),
  raw("Bsmt_Unf_SF", FACTOR.basement),
  derived("Bsmt_Fin_SF", FACTOR.basement, (r) =>
    Math.max(0, n(r, "Total_Bsmt_SF") - n(r, "Bsmt_Unf_SF")),
  ),
  raw("BsmtFin_SF_1", FACTOR.basement),
  raw("BsmtFin_SF_2", FACTOR.basement),
  raw("Lot_Area", FACTOR.lot),
  raw("Lot_Frontage", FACTOR.lot),
  // Rooms
  raw("Bedroom_AbvGr", FACTOR.rooms),
  raw("TotRms_AbvGrd", FACTOR.rooms),
  raw("Kitchen_AbvGr", FACTOR.rooms),
  raw("Fireplaces", FACTOR.rooms),
  derived(
    "Area_Per_Room",
    FACTOR.living,
    (r) => n(r, "Gr_Liv_Area") / Math.max(1, n(r, "TotRms_AbvGrd")),
  ),
  raw("Full_Bath", FACTOR.baths),
  raw("Half_Bath", FACTOR.baths),
  raw("Bsmt_Full_Bath", FACTOR.baths),
  raw("Bsmt_Half_Bath", FACTOR.baths),
  derived(
    "Total_Baths",
    FACTOR.baths,
    (r) =>
      n(r, "Full_Bath") +
      0.5 * n(r, "Half_Bath") +
      n(r, "Bsmt_Full_Bath") +
      0.5 * n(r, "Bsmt_Half_Bath"),
  ),
  // Age
  raw("Year_Built", FACTOR.age),
  derived("Age", FACTOR.age, (r) => n(r, "Year_Sold") - n(r, "Year_Built")),
  raw("Year_Remod_Add", FACTOR.remodel),
  derived("Years_Since_Remod", FACTOR.remodel, (r) => n(r, "Year_Sold") - n(r, "Year_Remod_Add")),
  // Garage
  raw("Garage_Cars", FACTOR.garage),
  raw("Garage_Area", FACTOR.garage),
  // Outdoor / exterior
  raw("Mas_Vnr_Area", FACTOR.exterior),
  raw("Wood_Deck_SF", FACTOR.outdoor),
  derived(
    "Porch_SF",
    FACTOR.outdoor,
    (r) =>
      n(r, "Open_Porch_SF") +
      n(r, "Enclosed_Porch") +
      n(r, "Three_season_porch") +
      n(r, "Screen_Porch"),
  ),
  raw("Open_Porch_SF", FACTOR.outdoor),
  raw("Screen_Porch", FACTOR.outdoor),
  raw("Pool_Area", FACTOR.outdoor),
  raw("Misc_Val", FACTOR.other),
  // Location
  raw("Longitude", FACTOR.location),
  raw("Latitude", FACTOR.location),
  {
    name: "Nearby_PPSF",
    factor: FACTOR.location,
    bind: (lk) => (r) => lk.nearby(n(r, "Longitude"), n(r, "Latitude")),
  },
  // Sale
  raw("Year_Sold", FACTOR.sale),
  raw("Mo_Sold", FACTOR.sale),
  derived("Sale_Time", FACTOR.sale, (r) => n(r, "Year_Sold") + (n(r, "Mo_Sold") - 1) / 12),
  // Ordinals
  ...Object.entries(ORDINALS).map(([field, map]) => encoded(field, field, () => (l) => map[l])),
  // Encoded nominals
  ...TARGET_ENCODED.map(({ feature, field }) =>
    encoded(feature, field, (lk) => lk.target.get(feature)!),
  ),
  ...FREQUENCY_ENCODED.map(({ feature, field }) =>
    encoded(feature, field, (lk) => lk.freq.get(feature)!),
  ),
];

const DEF_BY_NAME = new Map(FEATURE_DEFS.map((d) => [d.name, d]));

/** Every feature the code can compute, in the default column order. */
export const FEATURE_NAMES: readonly string[] = FEATURE_DEFS.map((d) => d.name);

/** Human-readable factor a model feature belongs to (groups SHAP contributions). */
export function featureFactor(featureName: string): string {
  return DEF_BY_NAME.get(featureName)?.factor ?? FACTOR.other;
}

// ---------------------------------------------------------------------------------------------
// Imputation of missing optional fields (from training statistics)

const BASEMENT_CATEGORIES = ["Bsmt_Cond", "Bsmt_Exposure", "BsmtFin_Type_1", "BsmtFin_Type_2"];
const BASEMENT_NUMBERS = [
  "Bsmt_Unf_SF",
  "BsmtFin_SF_1",
  "BsmtFin_SF_2",
  "Bsmt_Full_Bath",
  "Bsmt_Half_Bath",
];
const GARAGE_CATEGORIES = ["Garage_Type", "Garage_Finish", "Garage_Cond"];

type Filler = (r: Row, given: PropertyRecord) => number | string;

/** Field-specific rules that beat a global median; every other field gets the median/mode. */
function fillers(state: FeatureState): Map<string, Filler> {
  const { values, geo, garage_area_per_car } = state.impute;
  const m = new Map<string, Filler>();
  const nb = (r: Row) => geo[s(r, "Neighborhood")];
  m.set("Longitude", (r) => nb(r)?.[0] ?? (values.Longitude as number));
  m.set("Latitude", (r) => nb(r)?.[1] ?? (values.Latitude as number));
  m.set("Year_Remod_Add", (r) => n(r, "Year_Built"));
  m.set("Garage_Area", (r) => n(r, "Garage_Cars") * garage_area_per_car);
  for (const f of GARAGE_CATEGORIES) {
    m.set(f, (r) => (n(r, "Garage_Cars") === 0 ? "No_Garage" : values[f]));
  }
  const noBasement = (r: Row) => n(r, "Total_Bsmt_SF") === 0;
  for (const f of BASEMENT_CATEGORIES) m.set(f, (r) => (noBasement(r) ? "No_Basement" : values[f]));
  for (const f of BASEMENT_NUMBERS) m.set(f, (r) => (noBasement(r) ? 0 : values[f]));
  m.set("Bsmt_Unf_SF", (r) => Math.min(n(r, "Total_Bsmt_SF"), values.Bsmt_Unf_SF as number));
  // Floors: the living area is required; split it using whichever floor is known.
  m.set("Second_Flr_SF", (r, given) =>
    given.First_Flr_SF !== undefined
      ? Math.max(0, n(r, "Gr_Liv_Area") - (given.First_Flr_SF as number))
      : Math.min(n(r, "Gr_Liv_Area"), values.Second_Flr_SF as number),
  );
  m.set("First_Flr_SF", (r) => Math.max(0, n(r, "Gr_Liv_Area") - n(r, "Second_Flr_SF")));
  return m;
}

// ---------------------------------------------------------------------------------------------
// The transform

/** Fills row `r` from one record and writes its features at `out[base …]` (see compileRow). */
type RowFn = (
  given: PropertyRecord,
  r: Row,
  out: Float32Array,
  base: number,
  filled: string[],
) => void;

type Compiled = {
  defs: FeatureDef[];
  fillRow: RowFn;
  /**
   * Scratch row reused by every featurize call (it is synchronous, so calls never overlap):
   * a fresh object per call re-grows its ~80 properties one hidden-class transition at a
   * time, which made one-row calls ~40% slower.
   */
  row: Row;
};

const compiled = new WeakMap<FeatureState, Compiled>();

// Fill order: rules may read fields earlier in this list (required fields come first).
const FILL_LAST = ["Second_Flr_SF", "First_Flr_SF"];

/**
 * One row's work as straight-line code, generated once per bundle from FIELDS and the feature
 * definitions (never from request data): copy each field or fill it if missing, in fill order,
 * then compute each feature into the matrix. Every property is named literally in the code,
 * so V8 gives each read and store its own inline cache. The equivalent loop over field names
 * shares one site for all ~80 fields, which V8 serves by hash lookups and which kept the
 * scratch row in dictionary mode: ~5 µs of CPU per row, about a sixth of scoring a batch.
 */
function compileRow(
  order: readonly { name: string; fill: Filler }[],
  defs: readonly FeatureDef[],
  lookups: Lookups,
): RowFn {
  const key = (name: string) => JSON.stringify(name); // a JS string literal
  const lines = order.map(
    ({ name }, k) =>
      `v = given[${key(name)}];` +
      ` if (v === undefined) { v = fill[${k}](r, given); filled.push(${key(name)}); }` +
      ` r[${key(name)}] = v;`,
  );
  defs.forEach((d, j) =>
    lines.push(
      `out[base + ${j}] = fns[${j}](${d.field === undefined ? "r" : `r[${key(d.field)}]`});`,
    ),
  );
  const fill = order.map((o) => o.fill);
  const fns = defs.map((d) => d.bind(lookups));
  const source = [
    '"use strict";',
    "return function fillRow(given, r, out, base, filled) {",
    "let v;",
    ...lines,
    "};",
  ].join("\n");
  const make = new Function("fill", "fns", source) as (fill: Filler[], fns: unknown[]) => RowFn;
  return make(fill, fns);
}

function compile(state: FeatureState): Compiled {
  const hit = compiled.get(state);
  if (hit) return hit;
  const defs = state.features.map((name) => {
    const d = DEF_BY_NAME.get(name);
    if (!d) throw new Error(`Feature "${name}" in the bundle is unknown to this code version`);
    return d;
  });
  const target = new Map<string, (l: string) => number>();
  for (const { feature } of TARGET_ENCODED) {
    const enc = state.target[feature];
    if (enc) target.set(feature, targetLookup(enc as TargetEncoder));
  }
  const freq = new Map<string, (l: string) => number>();
  for (const { feature } of FREQUENCY_ENCODED) {
    const enc = state.frequency[feature];
    if (enc) freq.set(feature, frequencyLookup(enc as FrequencyEncoder));
  }
  for (const d of defs) {
    if (d.name.endsWith("_TE") && !target.has(d.name)) throw new Error(`No encoder for ${d.name}`);
    if (d.name.endsWith("_Freq") && !freq.has(d.name)) throw new Error(`No encoder for ${d.name}`);
  }
  const nearby = nearbyLookup(state.nearby);
  const rules = fillers(state);
  const byRequired = [...FIELDS].sort((a, b) => Number(b.required) - Number(a.required));
  const names = byRequired
    .map((f) => f.name)
    .filter((f) => !FILL_LAST.includes(f))
    .concat(FILL_LAST);
  const order = names.map((name) => {
    const rule = rules.get(name);
    const value = state.impute.values[name];
    const fill: Filler =
      rule ??
      (() => {
        if (value === undefined) throw new Error(`No imputation value for ${name}`);
        return value;
      });
    return { name, fill };
  });
  const c: Compiled = { defs, fillRow: compileRow(order, defs, { target, freq, nearby }), row: {} };
  compiled.set(state, c);
  return c;
}

export type FeatureMatrix = {
  matrix: Float32Array;
  nRows: number;
  nFeatures: number;
  /** Per row: the fields that were missing and filled from training statistics. */
  imputed: string[][];
};

export function featurize(records: readonly PropertyRecord[], state: FeatureState): FeatureMatrix {
  const c = compile(state);
  const nRows = records.length;
  const nFeatures = c.defs.length;
  const matrix = new Float32Array(nRows * nFeatures);
  const imputed: string[][] = new Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const filled: string[] = [];
    const base = i * nFeatures;
    c.fillRow(records[i], c.row, matrix, base, filled);
    imputed[i] = filled;
    for (let j = 0; j < nFeatures; j++) {
      // Checked as stored: a value too large for float32 is as unusable as NaN.
      if (!Number.isFinite(matrix[base + j])) {
        throw new Error(`Feature ${c.defs[j].name} is not finite for row ${i}`);
      }
    }
  }
  return { matrix, nRows, nFeatures, imputed };
}

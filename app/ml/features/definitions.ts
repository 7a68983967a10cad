// The model's features, declared once: name, the factor it explains, the raw fields it reads
// and how it is computed. The row function (row-function.ts) is generated from this list.
import type { Lookups, Row } from "./row-function";
import { FIELDS } from "../fields";
import { FACTOR, FIELD_FACTOR } from "./factors";

// ---- Encodings --------------------------------------------------------------------------------

/** Ordinal fields → level → rank, from the level order declared in fields.ts. */
export const ORDINALS: Readonly<Record<string, Readonly<Record<string, number>>>> =
  Object.fromEntries(
    FIELDS.filter((f) => f.ordinal).map((f) => [
      f.name,
      Object.fromEntries((f.levels ?? []).map((level, rank) => [level, rank])),
    ]),
  );

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

// ---- Definitions ------------------------------------------------------------------------------

/**
 * `bind` resolves a feature's encoders once per bundle; the returned function runs per row. A
 * feature of one field (`field` set) is given that field's value, any other the whole row.
 * `sources` are the raw fields the value depends on (a feature of imputed sources only says
 * nothing about what the user gave).
 */
export type FeatureDef = { name: string; factor: string; sources: readonly string[] } & (
  | { field: string; bind: (lk: Lookups) => (value: number | string) => number }
  | { field?: undefined; bind: (lk: Lookups) => (r: Row) => number }
);

const n = (r: Row, f: string) => r[f] as number;

export const TOTAL_SF = (r: Row) => n(r, "Gr_Liv_Area") + n(r, "Total_Bsmt_SF");

function raw(name: string, factor: string): FeatureDef {
  return { name, factor, sources: [name], field: name, bind: () => (value) => value as number };
}
function derived(
  name: string,
  factor: string,
  sources: readonly string[],
  compute: (r: Row) => number,
): FeatureDef {
  return { name, factor, sources, bind: () => compute };
}
/** A categorical field's level → its number (ordinal rank or a fitted encoder). */
function encoded(
  name: string,
  field: string,
  bind: (lk: Lookups) => (level: string) => number,
): FeatureDef {
  // A categorical field's value is a level string once validated: the encoder takes it as is.
  const bindValue = bind as (lk: Lookups) => (value: number | string) => number;
  return {
    name,
    factor: FIELD_FACTOR[field] ?? FACTOR.other,
    sources: [field],
    field,
    bind: bindValue,
  };
}

const PORCHES = ["Open_Porch_SF", "Enclosed_Porch", "Three_season_porch", "Screen_Porch"];
const BATHS = ["Full_Bath", "Half_Bath", "Bsmt_Full_Bath", "Bsmt_Half_Bath"];

const FEATURE_DEFS: readonly FeatureDef[] = [
  // Size
  derived("Total_SF", FACTOR.living, ["Gr_Liv_Area", "Total_Bsmt_SF"], TOTAL_SF),
  raw("Gr_Liv_Area", FACTOR.living),
  raw("First_Flr_SF", FACTOR.living),
  raw("Second_Flr_SF", FACTOR.living),
  raw("Total_Bsmt_SF", FACTOR.basement),
  raw("Bsmt_Unf_SF", FACTOR.basement),
  derived("Bsmt_Fin_SF", FACTOR.basement, ["Total_Bsmt_SF", "Bsmt_Unf_SF"], (r) =>
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
    ["Gr_Liv_Area", "TotRms_AbvGrd"],
    (r) => n(r, "Gr_Liv_Area") / Math.max(1, n(r, "TotRms_AbvGrd")),
  ),
  raw("Full_Bath", FACTOR.baths),
  raw("Half_Bath", FACTOR.baths),
  raw("Bsmt_Full_Bath", FACTOR.baths),
  raw("Bsmt_Half_Bath", FACTOR.baths),
  derived(
    "Total_Baths",
    FACTOR.baths,
    BATHS,
    (r) =>
      n(r, "Full_Bath") +
      0.5 * n(r, "Half_Bath") +
      n(r, "Bsmt_Full_Bath") +
      0.5 * n(r, "Bsmt_Half_Bath"),
  ),
  // Age
  raw("Year_Built", FACTOR.age),
  derived(
    "Age",
    FACTOR.age,
    ["Year_Sold", "Year_Built"],
    (r) => n(r, "Year_Sold") - n(r, "Year_Built"),
  ),
  raw("Year_Remod_Add", FACTOR.remodel),
  derived(
    "Years_Since_Remod",
    FACTOR.remodel,
    ["Year_Sold", "Year_Remod_Add"],
    (r) => n(r, "Year_Sold") - n(r, "Year_Remod_Add"),
  ),
  // Garage
  raw("Garage_Cars", FACTOR.garage),
  raw("Garage_Area", FACTOR.garage),
  // Outdoor / exterior
  raw("Mas_Vnr_Area", FACTOR.exterior),
  raw("Wood_Deck_SF", FACTOR.outdoor),
  derived("Porch_SF", FACTOR.outdoor, PORCHES, (r) => PORCHES.reduce((sum, f) => sum + n(r, f), 0)),
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
    sources: ["Longitude", "Latitude"],
    bind: (lk) => (r) => lk.nearby(n(r, "Longitude"), n(r, "Latitude")),
  },
  // Sale
  raw("Year_Sold", FACTOR.sale),
  raw("Mo_Sold", FACTOR.sale),
  derived(
    "Sale_Time",
    FACTOR.sale,
    ["Year_Sold", "Mo_Sold"],
    (r) => n(r, "Year_Sold") + (n(r, "Mo_Sold") - 1) / 12,
  ),
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

export const DEF_BY_NAME: ReadonlyMap<string, FeatureDef> = new Map(
  FEATURE_DEFS.map((d) => [d.name, d]),
);

/**
 * Features new models no longer use; their definitions stay so older bundles still load.
 * Bsmt_Unf_SF: with the basement area given and the unfinished area imputed (the training
 * median, capped at the basement area), it grew with the basement area while the model was free
 * to price it either way, so a larger basement could lower the estimate (ADR 0025).
 */
const RETIRED = new Set(["Bsmt_Unf_SF"]);

/** The features of a new model, in the default column order. */
export const FEATURE_NAMES: readonly string[] = FEATURE_DEFS.map((d) => d.name).filter(
  (name) => !RETIRED.has(name),
);

/**
 * Features the model may only increase with (XGBoost `monotone_constraints` 1, a non-negative
 * weight in the linear part): sizes, bathrooms, garage, quality and condition. Each is
 * non-decreasing in the raw fields people call "more", also through imputation (garage area =
 * cars × area per car, floors split from the living area, finished basement = basement −
 * unfinished), so, all else equal, more of those never lowers the estimate (ADR 0025).
 */
export const INCREASING: ReadonlySet<string> = new Set([
  "Total_SF",
  "Gr_Liv_Area",
  "First_Flr_SF",
  "Second_Flr_SF",
  "Area_Per_Room",
  "Total_Bsmt_SF",
  "Bsmt_Fin_SF",
  "Lot_Area",
  "Full_Bath",
  "Half_Bath",
  "Bsmt_Full_Bath",
  "Bsmt_Half_Bath",
  "Total_Baths",
  "Garage_Cars",
  "Garage_Area",
  "Overall_Cond",
  "Exter_Cond",
  "Heating_QC",
  "Functional",
  "Bsmt_Cond",
  "BsmtFin_Type_1",
  "Garage_Cond",
  "Garage_Finish",
]);

/** Human-readable factor a model feature belongs to (groups SHAP contributions). */
export function featureFactor(featureName: string): string {
  return DEF_BY_NAME.get(featureName)?.factor ?? FACTOR.other;
}

/** The raw fields a feature's value depends on (empty for a name this code does not know). */
export function featureSources(featureName: string): readonly string[] {
  return DEF_BY_NAME.get(featureName)?.sources ?? [];
}

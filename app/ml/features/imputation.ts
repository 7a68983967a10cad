// Imputation of missing optional fields from training statistics, and the order fields are
// filled in (rules may read fields filled before them).
import { FIELDS } from "../fields";
import type { PropertyRecord } from "../schema";
import type { Row } from "./row-function";
import type { FeatureState } from "./state";

/** Fills one missing field of row `r` (fields earlier in the fill order are already set). */
export type Filler = (r: Row, given: PropertyRecord) => number | string;

const n = (r: Row, f: string) => r[f] as number;
const s = (r: Row, f: string) => r[f] as string;

const BASEMENT_CATEGORIES = ["Bsmt_Cond", "Bsmt_Exposure", "BsmtFin_Type_1", "BsmtFin_Type_2"];
const BASEMENT_NUMBERS = [
  "Bsmt_Unf_SF",
  "BsmtFin_SF_1",
  "BsmtFin_SF_2",
  "Bsmt_Full_Bath",
  "Bsmt_Half_Bath",
];
const GARAGE_CATEGORIES = ["Garage_Type", "Garage_Finish", "Garage_Cond"];

/** Field-specific rules that beat a global median; every other field gets the median/mode. */
function rules(state: FeatureState): Map<string, Filler> {
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

// Fill order: rules may read fields earlier in this list (required fields come first).
const FILL_LAST = ["Second_Flr_SF", "First_Flr_SF"];

/** Every field in fill order, each with the filler used when the record lacks it. */
export function fillPlan(state: FeatureState): { name: string; fill: Filler }[] {
  const byRule = rules(state);
  const byRequired = [...FIELDS].sort((a, b) => Number(b.required) - Number(a.required));
  const names = byRequired
    .map((f) => f.name)
    .filter((f) => !FILL_LAST.includes(f))
    .concat(FILL_LAST);
  return names.map((name) => {
    const rule = byRule.get(name);
    const value = state.impute.values[name];
    const fill: Filler =
      rule ??
      (() => {
        if (value === undefined) throw new Error(`No imputation value for ${name}`);
        return value;
      });
    return { name, fill };
  });
}

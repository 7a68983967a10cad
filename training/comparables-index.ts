// The comparable-sales index of a fitted model (bundle `comparables`): the sales it was fitted
// on, never holdout or test sales, each with the model's own prediction for its record.
import type { ComparablesIndex } from "~/ml/comparables";
import type { PropertyRecord } from "~/ml/schema";

export function buildComparablesIndex(
  records: readonly PropertyRecord[],
  prices: readonly number[],
  logPred: ArrayLike<number>,
): ComparablesIndex {
  const neighborhoods = [...new Set(records.map((r) => r.Neighborhood as string))].sort();
  const col = (f: string) => records.map((r) => r[f] as number);
  return {
    neighborhoods,
    neighborhood: records.map((r) => neighborhoods.indexOf(r.Neighborhood as string)),
    latitude: col("Latitude"),
    longitude: col("Longitude"),
    sale_price: [...prices],
    year_sold: col("Year_Sold"),
    mo_sold: col("Mo_Sold"),
    gr_liv_area: col("Gr_Liv_Area"),
    year_built: col("Year_Built"),
    bedrooms: col("Bedroom_AbvGr"),
    full_bath: col("Full_Bath"),
    half_bath: col("Half_Bath"),
    // Five decimals of log price: 0.001% of the price, and a third of the bytes.
    log_pred: Array.from(logPred, (v) => Number(v.toFixed(5))),
  };
}

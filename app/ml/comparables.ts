// Comparable sales: the training sales most like a subject home, by location and the main
// fields, each with the price adjusted by the model's own difference between the two homes (as
// an appraiser adjusts a comp): adjusted = comp price × exp(pred(subject) − pred(comp)).
import type { PropertyRecord } from "./schema";
import type { FeatureState } from "./features/state";
// The index is built at training time from the sales the model was fitted on (bundle
// `comparables`); a search is a linear scan of typed arrays, tens of µs. Pure.

/** Columnar index of the fitted sales (bundle JSON). */
export type ComparablesIndex = {
  neighborhoods: string[];
  /** Per sale: index into `neighborhoods`. */
  neighborhood: number[];
  latitude: number[];
  longitude: number[];
  sale_price: number[];
  year_sold: number[];
  mo_sold: number[];
  gr_liv_area: number[];
  year_built: number[];
  bedrooms: number[];
  full_bath: number[];
  half_bath: number[];
  /** The model's predicted log price for the sale's own record. */
  log_pred: number[];
};

/** What a search needs to know about the subject (raw field values, imputed or given). */
export type Subject = {
  Neighborhood: string;
  Latitude: number;
  Longitude: number;
  Gr_Liv_Area: number;
  Year_Built: number;
  Bedroom_AbvGr: number;
  Full_Bath: number;
  Half_Bath: number;
  Year_Sold: number;
  Mo_Sold: number;
};

/**
 * The search subject of a validated record: its location filled like featurize does (the
 * neighbourhood's training median) when not given; the other fields are required ones.
 */
export function comparableSubject(record: PropertyRecord, state: FeatureState): Subject {
  const geo = state.impute.geo[record.Neighborhood as string];
  const num = (f: string) => record[f] as number;
  return {
    Neighborhood: record.Neighborhood as string,
    Latitude:
      (record.Latitude as number | undefined) ??
      geo?.[1] ??
      (state.impute.values.Latitude as number),
    Longitude:
      (record.Longitude as number | undefined) ??
      geo?.[0] ??
      (state.impute.values.Longitude as number),
    Gr_Liv_Area: num("Gr_Liv_Area"),
    Year_Built: num("Year_Built"),
    Bedroom_AbvGr: num("Bedroom_AbvGr"),
    Full_Bath: num("Full_Bath"),
    Half_Bath: num("Half_Bath"),
    Year_Sold: num("Year_Sold"),
    Mo_Sold: num("Mo_Sold"),
  };
}

export type Comparable = {
  sale_price: number;
  adjusted_price: number;
  year_sold: number;
  mo_sold: number;
  neighborhood: string;
  gr_liv_area: number;
  year_built: number;
  bedrooms: number;
  full_bath: number;
  half_bath: number;
  distance_km: number;
  /** Dissimilarity (0 = same place, size, age, rooms and date); see SCALES. */
  score: number;
};

/**
 * One unit of dissimilarity each: 1 km apart, a 15% difference in living area, 10 years of
 * construction, one bedroom, one bathroom, two years between the sales; another neighbourhood
 * adds one unit. The score is the root of the summed squares.
 */
export const SCALES = {
  km: 1,
  logArea: 0.15,
  yearBuilt: 10,
  bedrooms: 1,
  baths: 1,
  months: 24,
  otherNeighborhood: 1,
} as const;

export const MAX_COMPARABLES = 5;

const KM_PER_DEG_LAT = 111.2;
const KM_PER_DEG_LON = KM_PER_DEG_LAT * Math.cos((42 * Math.PI) / 180); // Ames, 42° N

type Prepared = {
  n: number;
  nb: Int32Array;
  y: Float64Array; // km north
  x: Float64Array; // km east
  logArea: Float64Array;
  built: Float64Array;
  beds: Float64Array;
  baths: Float64Array;
  month: Float64Array; // months since year 0
  best: { i: Int32Array; d: Float64Array }; // scratch top-k
};

const cache = new WeakMap<ComparablesIndex, Prepared>();

function prepare(ix: ComparablesIndex): Prepared {
  let p = cache.get(ix);
  if (p) return p;
  const n = ix.sale_price.length;
  p = {
    n,
    nb: Int32Array.from(ix.neighborhood),
    y: Float64Array.from(ix.latitude, (v) => v * KM_PER_DEG_LAT),
    x: Float64Array.from(ix.longitude, (v) => v * KM_PER_DEG_LON),
    logArea: Float64Array.from(ix.gr_liv_area, Math.log),
    built: Float64Array.from(ix.year_built),
    beds: Float64Array.from(ix.bedrooms),
    baths: Float64Array.from(ix.full_bath, (v, i) => v + 0.5 * ix.half_bath[i]),
    month: Float64Array.from(ix.year_sold, (v, i) => v * 12 + ix.mo_sold[i]),
    best: { i: new Int32Array(MAX_COMPARABLES), d: new Float64Array(MAX_COMPARABLES) },
  };
  cache.set(ix, p);
  return p;
}

/**
 * The (up to) `k` most similar fitted sales, most similar first (ties: earlier index). With
 * `subjectLogPred` (the model's log price for the subject) each gets its adjusted price.
 */
export function findComparables(
  ix: ComparablesIndex,
  s: Subject,
  subjectLogPred: number,
  k = MAX_COMPARABLES,
): Comparable[] {
  const p = prepare(ix);
  const kk = Math.min(k, MAX_COMPARABLES, p.n);
  const nbId = ix.neighborhoods.indexOf(s.Neighborhood);
  const sy = s.Latitude * KM_PER_DEG_LAT;
  const sx = s.Longitude * KM_PER_DEG_LON;
  const sArea = Math.log(s.Gr_Liv_Area);
  const sBaths = s.Full_Bath + 0.5 * s.Half_Bath;
  const sMonth = s.Year_Sold * 12 + s.Mo_Sold;
  const { i: bestI, d: bestD } = p.best;
  let filled = 0;
  for (let i = 0; i < p.n; i++) {
    const dy = (p.y[i] - sy) / SCALES.km;
    const dx = (p.x[i] - sx) / SCALES.km;
    const da = (p.logArea[i] - sArea) / SCALES.logArea;
    const db = (p.built[i] - s.Year_Built) / SCALES.yearBuilt;
    const dr = (p.beds[i] - s.Bedroom_AbvGr) / SCALES.bedrooms;
    const dh = (p.baths[i] - sBaths) / SCALES.baths;
    const dm = (p.month[i] - sMonth) / SCALES.months;
    const dn = p.nb[i] === nbId ? 0 : SCALES.otherNeighborhood;
    const d = dy * dy + dx * dx + da * da + db * db + dr * dr + dh * dh + dm * dm + dn * dn;
    if (filled === kk && d >= bestD[kk - 1]) continue;
    let j = filled < kk ? filled++ : kk - 1;
    while (j > 0 && bestD[j - 1] > d) {
      bestD[j] = bestD[j - 1];
      bestI[j] = bestI[j - 1];
      j--;
    }
    bestD[j] = d;
    bestI[j] = i;
  }
  const out: Comparable[] = [];
  for (let j = 0; j < filled; j++) {
    const i = bestI[j];
    const km = Math.hypot(p.y[i] - sy, p.x[i] - sx);
    out.push({
      sale_price: ix.sale_price[i],
      adjusted_price: ix.sale_price[i] * Math.exp(subjectLogPred - ix.log_pred[i]),
      year_sold: ix.year_sold[i],
      mo_sold: ix.mo_sold[i],
      neighborhood: ix.neighborhoods[ix.neighborhood[i]],
      gr_liv_area: ix.gr_liv_area[i],
      year_built: ix.year_built[i],
      bedrooms: ix.bedrooms[i],
      full_bath: ix.full_bath[i],
      half_bath: ix.half_bath[i],
      distance_km: Math.round(km * 100) / 100,
      score: Math.sqrt(bestD[j]),
    });
  }
  return out;
}

/**
 * How far the subject is from the fitted sales: the mean score of its `MAX_COMPARABLES` most
 * similar ones (the interval widens and a warning is given above the bundle's threshold).
 */
export function similarityDistance(comps: readonly Comparable[]): number {
  if (comps.length === 0) return Infinity;
  return comps.reduce((s, c) => s + c.score, 0) / comps.length;
}

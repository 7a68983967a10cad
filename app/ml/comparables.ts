// Comparable sales: the training sales most like a subject home, by location and the main
// fields, each with the price adjusted by the model's own difference between the two homes (as
// an appraiser adjusts a comp): adjusted = comp price × exp(pred(subject) − pred(comp)).
import {
  buildSearchTree,
  meanScore,
  searchTree,
  type SearchColumns,
  type SearchSubject,
  type SearchTree,
} from "./comparables-search";
import type { FeatureState } from "./features/state";
import type { PropertyRecord } from "./schema";
// The index is built at training time from the sales the model was fitted on (bundle
// `comparables`); a search walks a k-d tree of it (comparables-search.ts), a few µs. Pure.

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
    Gr_Liv_Area: record.Gr_Liv_Area as number,
    Year_Built: record.Year_Built as number,
    Bedroom_AbvGr: record.Bedroom_AbvGr as number,
    Full_Bath: record.Full_Bath as number,
    Half_Bath: record.Half_Bath as number,
    Year_Sold: record.Year_Sold as number,
    Mo_Sold: record.Mo_Sold as number,
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

const cache = new WeakMap<ComparablesIndex, SearchTree>();

/** The index's search tree, built once per index (exported for tests). */
export function prepare(ix: ComparablesIndex): SearchTree {
  let t = cache.get(ix);
  if (t) return t;
  const cols: SearchColumns = {
    nb: Int32Array.from(ix.neighborhood),
    y: Float64Array.from(ix.latitude, (v) => v * KM_PER_DEG_LAT),
    x: Float64Array.from(ix.longitude, (v) => v * KM_PER_DEG_LON),
    logArea: Float64Array.from(ix.gr_liv_area, Math.log),
    built: Float64Array.from(ix.year_built),
    beds: Float64Array.from(ix.bedrooms),
    baths: Float64Array.from(ix.full_bath, (v, i) => v + 0.5 * ix.half_bath[i]),
    month: Float64Array.from(ix.year_sold, (v, i) => v * 12 + ix.mo_sold[i]),
  };
  t = buildSearchTree(cols, SCALES, ix.neighborhoods.length, MAX_COMPARABLES);
  cache.set(ix, t);
  return t;
}

/** The subject in the search's terms (its neighbourhood's index: -1 when not in the index). */
function searchSubject(ix: ComparablesIndex, s: Subject): SearchSubject {
  return {
    nb: ix.neighborhoods.indexOf(s.Neighborhood),
    y: s.Latitude * KM_PER_DEG_LAT,
    x: s.Longitude * KM_PER_DEG_LON,
    logArea: Math.log(s.Gr_Liv_Area),
    built: s.Year_Built,
    beds: s.Bedroom_AbvGr,
    baths: s.Full_Bath + 0.5 * s.Half_Bath,
    month: s.Year_Sold * 12 + s.Mo_Sold,
  };
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
  const t = prepare(ix);
  const q = searchSubject(ix, s);
  const filled = searchTree(t, q, Math.min(k, MAX_COMPARABLES));
  const { bestI, bestD, cols } = t;
  const out: Comparable[] = [];
  for (let j = 0; j < filled; j++) {
    const i = bestI[j];
    const km = Math.hypot(cols.y[i] - q.y, cols.x[i] - q.x);
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
 * similarityDistance(findComparables(ix, s, …)) > threshold, without building the comparables
 * and without finishing the search once a full top-k is close enough: what every estimate needs
 * for its interval and warnings (most homes are decided in their own neighbourhood's first
 * leaves), whether or not the caller asked for the comparables.
 */
export function fewerSimilarThan(ix: ComparablesIndex, s: Subject, threshold: number): boolean {
  const t = prepare(ix);
  const filled = searchTree(t, searchSubject(ix, s), MAX_COMPARABLES, threshold);
  if (t.stopped) return false;
  return (filled === 0 ? Infinity : meanScore(t.bestD, filled)) > threshold;
}

/**
 * How far the subject is from the fitted sales: the mean score of its `MAX_COMPARABLES` most
 * similar ones (the interval widens and a warning is given above the bundle's threshold).
 */
export function similarityDistance(comps: readonly Comparable[]): number {
  if (comps.length === 0) return Infinity;
  return comps.reduce((s, c) => s + c.score, 0) / comps.length;
}

// Load the vendored Ames CSV, validate every row with the shared schema, split by sale year.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { TARGET_FIELD } from "~/ml/fields";
import { coerceCsvRow, validateRecord, type PropertyRecord } from "~/ml/schema";

export type Dataset = {
  file: string;
  sha256: string;
  records: PropertyRecord[];
  /** Sale prices (USD). */
  prices: number[];
};

export function loadDataset(file: string): Dataset {
  const bytes = readFileSync(file);
  const rows = parse(bytes, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const records: PropertyRecord[] = [];
  const prices: number[] = [];
  rows.forEach((row, i) => {
    const price = Number(row[TARGET_FIELD]);
    if (!(price > 0))
      throw new Error(`${file} row ${i + 2}: ${TARGET_FIELD} is not a positive number`);
    const v = validateRecord(coerceCsvRow(row));
    if (!v.ok) {
      const first = v.issues
        .slice(0, 3)
        .map((x) => `${x.path} ${x.message}`)
        .join("; ");
      throw new Error(`${file} row ${i + 2} fails the schema: ${first}`);
    }
    records.push(v.record);
    prices.push(price);
  });
  return { file, sha256: createHash("sha256").update(bytes).digest("hex"), records, prices };
}

/**
 * Years of sale, by role. Every modelling choice is made by the rolling-origin backtest (fit on
 * the years before a test year, score that year); the shipped model is then refit on all the
 * years before the holdout, which is scored once per bundle and never chooses anything.
 */
export const BACKTEST_FOLDS: readonly { fit: readonly number[]; test: readonly number[] }[] = [
  { fit: [2006, 2007], test: [2008] },
  { fit: [2006, 2007, 2008], test: [2009] },
];
export const FINAL_FIT_YEARS: readonly number[] = [2006, 2007, 2008, 2009];
export const HOLDOUT_YEARS: readonly number[] = [2010];

export type Split = {
  years: readonly number[];
  /** Row numbers in the data set. */
  index: number[];
  records: PropertyRecord[];
  prices: number[];
};

/** The sales of the given years, in file order. */
export function selectYears(ds: Dataset, years: readonly number[]): Split {
  const index = ds.records.flatMap((r, i) => (years.includes(r.Year_Sold as number) ? [i] : []));
  return {
    years,
    index,
    records: index.map((i) => ds.records[i]),
    prices: index.map((i) => ds.prices[i]),
  };
}

/**
 * Fitting rows without the houses over 4,000 sq ft: the data set's author recommends removing
 * them, three of the five are partial sales far below market value, which teach the model that
 * big houses are cheap. Only fitting rows lose them; test and holdout rows never do.
 */
export function withoutOutliers(split: Split): Split {
  const keep = split.records.map((r) => (r.Gr_Liv_Area as number) <= 4000);
  const pick = <T>(xs: T[]) => xs.filter((_, i) => keep[i]);
  return {
    years: split.years,
    index: pick(split.index),
    records: pick(split.records),
    prices: pick(split.prices),
  };
}

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

export const SPLIT_YEARS = { train: [2006, 2007, 2008], eval: [2009], holdout: [2010] } as const;
export type SplitName = keyof typeof SPLIT_YEARS;

export type Split = {
  name: SplitName;
  index: number[];
  records: PropertyRecord[];
  prices: number[];
};

/** Leakage-safe split by time: train 2006–2008, eval 2009, holdout 2010. */
export function splitByYear(ds: Dataset): Record<SplitName, Split> {
  const out = {} as Record<SplitName, Split>;
  for (const name of Object.keys(SPLIT_YEARS) as SplitName[]) {
    const years: readonly number[] = SPLIT_YEARS[name];
    const index = ds.records.flatMap((r, i) => (years.includes(r.Year_Sold as number) ? [i] : []));
    out[name] = {
      name,
      index,
      records: index.map((i) => ds.records[i]),
      prices: index.map((i) => ds.prices[i]),
    };
  }
  return out;
}

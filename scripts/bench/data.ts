// Benchmark inputs: full records from data/ames.csv, resampled with a fixed seed.
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { coerceCsvRow } from "~/ml/schema";
import { mulberry32 } from "../batch/generate";

export function loadRecords(file: string): Record<string, unknown>[] {
  const rows = parse(readFileSync(file), { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  return rows.map(coerceCsvRow); // drops Sale_Price, numbers as numbers, empty = missing
}

export function resample<T>(items: readonly T[], n: number, seed = 42): T[] {
  const next = mulberry32(seed);
  return Array.from({ length: n }, () => items[Math.floor(next() * items.length)]);
}

/** `n` data lines of a CSV file resampled with a fixed seed, under its header (one line per row). */
export function resampleCsv(file: string, n: number, seed = 42): string {
  const [header, ...lines] = readFileSync(file, "utf8").trimEnd().split("\n");
  return [header, ...resample(lines, n, seed)].join("\n") + "\n";
}

// Benchmark inputs: full records from data/ames.csv, resampled with a fixed seed.
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { coerceCsvRow } from "~/ml/schema";

export function loadRecords(file: string): Record<string, unknown>[] {
  const rows = parse(readFileSync(file), { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  return rows.map(coerceCsvRow); // drops Sale_Price, numbers as numbers, empty = missing
}

/** mulberry32: a tiny seeded PRNG so every run sends the same rows. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function resample<T>(items: readonly T[], n: number, seed = 42): T[] {
  const next = rng(seed);
  return Array.from({ length: n }, () => items[Math.floor(next() * items.length)]);
}

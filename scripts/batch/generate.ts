import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { once } from "node:events";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";

/**
 * Synthetic batch inputs: `rows` records resampled (seeded, with replacement) from the Ames
 * data, optionally with a share of broken rows (a negative area, an unknown neighbourhood,
 * text in a number column) so the error path is exercised at scale too.
 */
export type GenerateOptions = { source?: string; rows: number; seed?: number; badEvery?: number };

/** Deterministic 32-bit PRNG (mulberry32): the same seed gives the same file. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BREAKERS: [string, string][] = [
  ["Gr_Liv_Area", "-5"],
  ["Neighborhood", "Atlantis"],
  ["Year_Built", "nineteen-sixty"],
];

export async function generateCsv(file: string, opts: GenerateOptions): Promise<void> {
  const rows: string[][] = parse(await readFile(opts.source ?? "data/ames.csv", "utf8"));
  const [header, ...data] = rows;
  const random = mulberry32(opts.seed ?? 42);
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write(stringify([header]));
  const BLOCK = 5000;
  for (let start = 0; start < opts.rows; start += BLOCK) {
    const block: string[][] = [];
    for (let i = start; i < Math.min(opts.rows, start + BLOCK); i++) {
      const row = [...data[Math.floor(random() * data.length)]];
      if (opts.badEvery && (i + 1) % opts.badEvery === 0) {
        const [field, value] = BREAKERS[i % BREAKERS.length];
        row[header.indexOf(field)] = value;
      }
      block.push(row);
    }
    await write(stringify(block));
  }
  out.end();
  await once(out, "finish");
}

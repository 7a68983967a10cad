import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import { parse } from "csv-parse";
import { stringify } from "csv-stringify/sync";
import { InputError } from "./source";

/**
 * k-way merge of part files by their first column (`row`). Each part is already ordered by
 * row (a part scores its chunks in input order), so the merge streams with one row per part
 * in memory and yields exactly the file a single run would have written.
 */
export async function mergeParts(parts: readonly Readable[], output: Writable): Promise<number> {
  const iterators = parts.map((p) =>
    (p.pipe(parse({ relax_column_count: true })) as AsyncIterable<string[]>)[
      Symbol.asyncIterator
    ](),
  );
  const heads: (string[] | undefined)[] = [];
  let header: string[] | undefined;
  for (const [i, it] of iterators.entries()) {
    const first = await it.next();
    if (first.done) throw new InputError(`part ${i + 1} is empty (no header)`);
    if (header && first.value.join("\u0000") !== header.join("\u0000")) {
      throw new InputError(`part ${i + 1} has a different header than part 1`);
    }
    header = first.value;
    const next = await it.next();
    heads.push(next.done ? undefined : next.value);
  }
  const write = async (rows: string[][]) => {
    if (!output.write(stringify(rows))) await once(output, "drain");
  };
  await write([header!]);

  let merged = 0;
  let batch: string[][] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h && (best < 0 || Number(h[0]) < Number(heads[best]![0]))) best = i;
    }
    if (best < 0) break;
    batch.push(heads[best]!);
    merged++;
    const next = await iterators[best].next();
    heads[best] = next.done ? undefined : next.value;
    if (batch.length >= 1000) {
      await write(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await write(batch);
  return merged;
}

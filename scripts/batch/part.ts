// Which chunks of the input this process scores. Chunk c belongs to part c % count, so n
// processes with the same input and chunk size cover every chunk exactly once, and each
// part's output is ordered by row number (a k-way merge restores the single-run file).

export type PartSpec = { index: number; count: number };

export const WHOLE_INPUT: PartSpec = { index: 0, count: 1 };

/** Parses "i/n" (0 ≤ i < n); "auto/n" takes i from AWS Batch's array index variable. */
export function parsePart(text: string, env: Record<string, string | undefined>): PartSpec {
  const match = /^(\d+|auto)\/(\d+)$/.exec(text.trim());
  if (!match) throw new Error(`--part must look like i/n (e.g. 0/4) or auto/n, got "${text}"`);
  const count = Number(match[2]);
  let indexText = match[1];
  if (indexText === "auto") {
    indexText = env.AWS_BATCH_JOB_ARRAY_INDEX ?? "";
    if (!/^\d+$/.test(indexText)) {
      throw new Error(
        "--part auto/n needs AWS_BATCH_JOB_ARRAY_INDEX (set by AWS Batch array jobs)",
      );
    }
  }
  const index = Number(indexText);
  if (count < 1 || count > 10_000) throw new Error(`--part: n must be 1…10000, got ${count}`);
  if (index >= count) throw new Error(`--part: i must be below n (got ${index}/${count})`);
  return { index, count };
}

export function ownsChunk(part: PartSpec, chunkIndex: number): boolean {
  return chunkIndex % part.count === part.index;
}

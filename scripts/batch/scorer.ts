import { once } from "node:events";
import { pipeline, Transform, type Readable, type Writable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import { stringify } from "csv-stringify/sync";
import type { PredictionItem } from "~/api/schemas";
import { coerceCsvRow } from "~/ml/schema";
import { ERROR_COLUMNS, errorRows, outputRow, planLayout, type Layout } from "./columns";
import { ownsChunk, type PartSpec } from "./part";
import { InputError } from "./source";

/**
 * The streaming core: CSV bytes → chunks of `chunk` rows → the shared predict() → output and
 * error CSVs. Memory is bounded by one chunk (the parser is paused while a chunk is scored),
 * whatever the input size. Rows are numbered from 1 (data rows, header excluded).
 */

/** Scores one chunk of raw records with the shared inference code (see model.ts). */
export type ChunkPredictor = (inputs: Record<string, unknown>[]) => Promise<PredictionItem[]>;

export type ScoreOptions = {
  chunk: number;
  part: PartSpec;
  keep: readonly string[];
  onlyPredictions: boolean;
  predict: ChunkPredictor;
  onProgress?: (p: Progress) => void;
  /** Called after each chunk: a chance to bound memory (see memory.ts). */
  afterChunk?: () => void;
};

export type Progress = { bytes: number; rows: number; scoredRows: number; chunks: number };

export type ScoreSummary = {
  rows: number;
  chunks: number;
  /** Rows in the chunks this part owns. */
  scoredRows: number;
  predicted: number;
  failedRows: number;
  errorLines: number;
};

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, "drain");
}

export async function scoreCsv(
  input: Readable,
  output: Writable,
  errors: Writable,
  opts: ScoreOptions,
): Promise<ScoreSummary> {
  let bytes = 0;
  const counter = new Transform({
    transform(data: Buffer, _enc, done) {
      bytes += data.length;
      done(null, data);
    },
  });
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true });
  // Errors of the source (S3 socket reset, read error) destroy the parser, ending the loop below.
  pipeline(input, counter, parser, () => {});

  const summary: ScoreSummary = {
    rows: 0,
    chunks: 0,
    scoredRows: 0,
    predicted: 0,
    failedRows: 0,
    errorLines: 0,
  };
  let layout: Layout | undefined;
  let pending: string[][] = [];
  let pendingFirstRow = 1;
  let inChunk = 0;

  const flush = async () => {
    if (inChunk === 0) return;
    const chunkIndex = summary.chunks++;
    if (ownsChunk(opts.part, chunkIndex)) {
      await scoreChunk(layout!, pending, pendingFirstRow, output, errors, opts.predict, summary);
    }
    pending = [];
    inChunk = 0;
    opts.afterChunk?.();
    pendingFirstRow = summary.rows + 1;
    opts.onProgress?.({
      bytes,
      rows: summary.rows,
      scoredRows: summary.scoredRows,
      chunks: summary.chunks,
    });
  };

  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!layout) {
        layout = planLayout(record, opts.keep, opts.onlyPredictions);
        await write(output, stringify([layout.outputHeader]));
        await write(errors, stringify([[...ERROR_COLUMNS]]));
        continue;
      }
      summary.rows++;
      // Only the owned chunks keep their cells: other parts' rows are just counted.
      if (ownsChunk(opts.part, summary.chunks)) pending.push(record);
      if (++inChunk === opts.chunk) await flush();
    }
    await flush();
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new InputError(
        `the input is not valid CSV${line ? ` (line ${line})` : ""}: ${error.message}`,
      );
    }
    if (error instanceof InputError) throw error;
    throw new InputError(`reading the input failed: ${(error as Error).message}`);
  }
  if (!layout) throw new InputError("the input is empty (no header row)");
  return summary;
}

async function scoreChunk(
  layout: Layout,
  records: string[][],
  firstRow: number,
  output: Writable,
  errors: Writable,
  predict: ChunkPredictor,
  summary: ScoreSummary,
): Promise<void> {
  const width = layout.header.length;
  const inputs: Record<string, unknown>[] = [];
  const inputAt: number[] = [];
  const problems = new Map<number, { path: string; message: string }[]>();
  records.forEach((cells, i) => {
    if (cells.length !== width) {
      problems.set(i, [
        { path: "", message: `has ${cells.length} cells; the header has ${width}` },
      ]);
      return;
    }
    const raw: Record<string, string> = {};
    for (const c of layout.modelCells) raw[layout.header[c]] = cells[c];
    inputs.push(coerceCsvRow(raw));
    inputAt.push(i);
  });

  const items = inputs.length > 0 ? await predict(inputs) : [];
  const results: (PredictionItem | undefined)[] = new Array(records.length);
  items.forEach((item, k) => (results[inputAt[k]] = item));

  const outRows: (string | number)[][] = [];
  const errRows: (string | number)[][] = [];
  records.forEach((cells, i) => {
    const row = firstRow + i;
    const item = results[i];
    const issues = problems.get(i) ?? (item && "error" in item ? item.error.errors : undefined);
    if (issues) {
      summary.failedRows++;
      const lines = errorRows(row, issues);
      summary.errorLines += lines.length;
      errRows.push(...lines);
    } else if (item && !("error" in item)) {
      summary.predicted++;
      outRows.push(outputRow(layout, row, cells, item));
    }
  });
  summary.scoredRows += records.length;
  if (outRows.length > 0) await write(output, stringify(outRows));
  if (errRows.length > 0) await write(errors, stringify(errRows));
}

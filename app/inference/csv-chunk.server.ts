import { CsvError } from "csv-parse";
import { isRowError, type FieldIssue, type PredictionItem } from "~/api/schemas";
import { MalformedRequestError } from "~/lib/errors.server";
import { csvInputFor } from "~/ml/csv-input";
import { readCsvRows } from "./csv.server";
import { csvFields, csvLine, predictionCells, safeCell, safePlainLine } from "./csv-write.server";
import type { PredictionMeter } from "./meter.server";
import type { LoadedModel } from "./model.server";
import { predictRecords } from "./predict.server";

// The handler of one chunk of a batch file (the batch CLI): a run of whole CSV records as
// bytes → records → predictRecords → the lines of the output file and of the error file.
// It runs on a scoring thread, like the API's large bodies, so a file uses every core.

/** Where a file's cells go; planned once from its header (scripts/batch/columns.ts). */
export type CsvLayout = {
  /** Cells per record (the header's). */
  width: number;
  /** Field name of each input cell that goes to the model, by cell index. */
  modelCells: [index: number, field: string][];
  /** Indexes of the cells copied to the output. */
  copiedCells: number[];
  /** The file's record delimiter. */
  newline: "\n" | "\r\n";
};

export type CsvChunkInput = {
  /** Whole records, UTF-8. */
  text: Uint8Array;
  /** How many records `text` holds (the caller cut it there). */
  records: number;
  /** Row number of its first record (data rows count from 1). */
  firstRow: number;
  layout: CsvLayout;
};

export type CsvChunkOutput = {
  /**
   * UTF-8: the output lines, then the error lines. Bytes, not strings: from a thread they
   * come as one copied buffer, and the writing thread neither builds a string of them nor
   * encodes one again for the file.
   */
  lines: Uint8Array<ArrayBuffer>;
  /** Where the error lines start in `lines`. */
  outputBytes: number;
  predicted: number;
  failedRows: number;
  errorLines: number;
};

/**
 * The copied input cells of a record, as csvFields writes them after safeCell. A record of
 * plain text (`line` given: no quotes, so no cell needs quoting) is copied as it came when
 * every cell goes out in order, instead of being escaped and joined again cell by cell, the
 * largest cost of a chunk outside predict() (ADR 0055).
 */
function copiedFields(layout: CsvLayout, copyAll: boolean, cells: string[], line?: string) {
  if (line !== undefined && copyAll) return safePlainLine(line, cells);
  const copied = layout.copiedCells.map((i) => safeCell(cells[i] ?? ""));
  return line !== undefined ? copied.join(",") : csvFields(copied);
}

/** One output line: row number, copied input cells, then the prediction. */
function outputLine(row: number, copied: string | undefined, item: PredictionItem) {
  if (isRowError(item)) throw new Error("a row error has no output line");
  const prediction = csvFields(predictionCells(item));
  return copied === undefined ? `${row},${prediction}\n` : `${row},${copied},${prediction}\n`;
}

export async function handleCsvChunk(
  model: LoadedModel,
  input: CsvChunkInput,
  /** Where the counters go: the serving paths pass theirs, so none is forgotten. */
  meter: PredictionMeter,
): Promise<CsvChunkOutput> {
  const { layout, firstRow } = input;
  const text = Buffer.from(input.text.buffer, input.text.byteOffset, input.text.byteLength);
  let records: string[][];
  let lines: string[] | undefined;
  try {
    ({ rows: records, lines } = readCsvRows(text.toString("utf8"), layout.newline));
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    throw new MalformedRequestError(error.message);
  }
  if (records.length !== input.records) {
    throw new Error(`a chunk of ${input.records} records parsed as ${records.length}`);
  }
  const toInput = csvInputFor(layout.modelCells);
  const inputs: Record<string, unknown>[] = [];
  const inputAt: number[] = [];
  const problems = new Map<number, FieldIssue[]>();
  records.forEach((cells, i) => {
    if (cells.length !== layout.width) {
      const message = `has ${cells.length} cells; the header has ${layout.width}`;
      problems.set(i, [{ path: "", message }]);
      return;
    }
    inputs.push(toInput(cells));
    inputAt.push(i);
  });
  const { predictions } =
    inputs.length > 0
      ? await predictRecords(model, inputs, { source: "batch", keepAllInvalid: true, meter })
      : { predictions: [] };
  predictions.forEach((item, k) => {
    if (isRowError(item)) problems.set(inputAt[k], item.error.errors);
  });

  const out = { output: "", errors: "", predicted: 0, failedRows: 0, errorLines: 0 };
  const { copiedCells, width } = layout;
  const copyAll = copiedCells.length === width && copiedCells.every((c, i) => c === i);
  let k = 0;
  records.forEach((cells, i) => {
    const row = firstRow + i;
    const issues = problems.get(i);
    if (inputAt[k] === i) k++;
    if (issues) {
      out.failedRows++;
      out.errorLines += issues.length;
      for (const e of issues) out.errors += csvLine([row, safeCell(e.path), safeCell(e.message)]);
    } else {
      out.predicted++;
      const copied =
        copiedCells.length > 0 ? copiedFields(layout, copyAll, cells, lines?.[i]) : undefined;
      out.output += outputLine(row, copied, predictions[k - 1]);
    }
  });
  const { output, errors, ...counts } = out;
  return { ...utf8Lines(output, errors), ...counts };
}

const encoder = new TextEncoder();

function utf8Lines(output: string, errors: string) {
  const encoded = encoder.encode(output);
  if (errors === "") return { lines: encoded, outputBytes: encoded.length };
  const errorBytes = encoder.encode(errors);
  const lines = new Uint8Array(encoded.length + errorBytes.length);
  lines.set(encoded);
  lines.set(errorBytes, encoded.length);
  return { lines, outputBytes: encoded.length };
}

import { RESULT_COLUMNS, safeCell } from "~/inference/csv.server";
import { FIELDS, TARGET_FIELD } from "~/ml/fields";
import type { PredictionItem } from "~/api/schemas";
import { InputError } from "./source";

// The column layout of the batch files. The result columns and cell escaping are the
// dashboard's (batch-csv.server.ts), so a batch output and a dashboard download look alike.

const KNOWN = new Set([...FIELDS.map((f) => f.name), TARGET_FIELD]);
const REQUIRED = FIELDS.filter((f) => f.required).map((f) => f.name);
/** Per-row problems go to the error file, so the output has no "errors" column. */
const PREDICTION_COLUMNS = RESULT_COLUMNS.filter((c) => c !== "errors");
export const ERROR_COLUMNS = ["row", "field", "message"] as const;

export type Layout = {
  header: string[];
  /** Indexes of the cells that go to the model (field columns; the target is dropped later). */
  modelCells: number[];
  /** Indexes of the input cells copied to the output. */
  copiedCells: number[];
  outputHeader: string[];
};

/** Checks the input header: every column known (or kept), no duplicates, required ones present. */
export function planLayout(
  rawHeader: readonly string[],
  keep: readonly string[],
  onlyPredictions: boolean,
): Layout {
  const header = rawHeader.map((h) => h.trim());
  const seen = new Set<string>();
  for (const [i, name] of header.entries()) {
    if (name === "")
      throw new InputError(`the CSV header has an empty column name (column ${i + 1})`);
    if (seen.has(name)) throw new InputError(`the CSV header names "${name}" twice`);
    seen.add(name);
  }
  const keepSet = new Set(keep);
  const unknown = header.filter((h) => !KNOWN.has(h) && !keepSet.has(h));
  if (unknown.length > 0) {
    throw new InputError(
      `unknown column(s) in the input header: ${unknown.join(", ")}. ` +
        "Use the field names of GET /api/v1/model, or pass id columns with --keep.",
    );
  }
  const missingKeep = keep.filter((k) => !seen.has(k));
  if (missingKeep.length > 0) {
    throw new InputError(`--keep names column(s) not in the input: ${missingKeep.join(", ")}`);
  }
  const missing = REQUIRED.filter((r) => !seen.has(r));
  if (missing.length > 0) {
    throw new InputError(`required column(s) missing from the input: ${missing.join(", ")}`);
  }
  const modelCells = header.flatMap((h, i) => (KNOWN.has(h) && !keepSet.has(h) ? [i] : []));
  const copiedCells = header.flatMap((h, i) => (!onlyPredictions || keepSet.has(h) ? [i] : []));
  return {
    header,
    modelCells,
    copiedCells,
    outputHeader: ["row", ...copiedCells.map((i) => header[i]), ...PREDICTION_COLUMNS],
  };
}

/** One output row: row number, copied input cells, then the prediction. */
export function outputRow(
  layout: Layout,
  row: number,
  cells: readonly string[],
  item: Exclude<PredictionItem, { error: unknown }>,
): (string | number)[] {
  return [
    row,
    ...layout.copiedCells.map((i) => safeCell(cells[i] ?? "")),
    Math.round(item.price),
    Math.round(item.interval.lower),
    Math.round(item.interval.upper),
    item.interval.level,
    item.imputed.join(" "),
  ];
}

/** Error-file rows for one input row: one line per field issue. */
export function errorRows(
  row: number,
  issues: readonly { path: string; message: string }[],
): (string | number)[][] {
  return issues.map((issue) => [row, safeCell(issue.path), safeCell(issue.message)]);
}

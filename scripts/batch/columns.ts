import type { CsvLayout } from "~/inference/csv-chunk.server";
import { columnPlan } from "~/inference/csv.server";
import { RESULT_COLUMNS, safeCell } from "~/inference/csv-write.server";
import { HousingMLError } from "~/lib/errors.server";
import { InputError } from "./source";

// The column layout of the batch files. The column rule, the result columns and the cell
// escaping are the API's and the dashboard's (csv.server.ts), so a batch output and a
// dashboard download look alike.

/** Per-row problems go to the error file, so the output has no "errors" column. */
const PREDICTION_COLUMNS = RESULT_COLUMNS.filter((c) => c !== "errors");
export const ERROR_COLUMNS = ["row", "field", "message"] as const;

export type Layout = Omit<CsvLayout, "newline"> & {
  outputHeader: string[];
  /** Columns the model does not use (copied, and named in the summary). */
  ignored: string[];
};

/**
 * The input header's layout under the shared column rule (unknown columns are not inputs;
 * a missing required one refuses the file). `keep` names columns to copy even with
 * --only-predictions.
 */
export function planLayout(
  rawHeader: readonly string[],
  keep: readonly string[],
  onlyPredictions: boolean,
): Layout {
  const header = rawHeader.map((h) => h.trim());
  let plan;
  try {
    plan = columnPlan(header);
  } catch (error) {
    if (error instanceof HousingMLError) throw new InputError(error.message);
    throw error;
  }
  const missingKeep = keep.filter((k) => !header.includes(k));
  if (missingKeep.length > 0) {
    throw new InputError(`--keep names column(s) not in the input: ${missingKeep.join(", ")}`);
  }
  const keepSet = new Set(keep);
  const inputs = new Set(plan.inputs);
  const copiedCells = header.flatMap((h, i) => (!onlyPredictions || keepSet.has(h) ? [i] : []));
  return {
    width: header.length,
    modelCells: header.flatMap((h, i): [number, string][] => (inputs.has(h) ? [[i, h]] : [])),
    copiedCells,
    // Header cells are the file's text too: neutralised like every copied cell.
    outputHeader: ["row", ...copiedCells.map((i) => safeCell(header[i])), ...PREDICTION_COLUMNS],
    ignored: plan.ignored,
  };
}

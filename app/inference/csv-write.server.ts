import { isRowError } from "~/api/items";
import type { FieldIssue, Prediction, PredictionItem } from "~/api/schemas";
import type { CsvTable } from "./csv.server";

// CSV out for the API, the dashboard's download and the batch CLI: one result layout, one
// cell escaping (csv.server.ts reads CSV in).

/**
 * The trust columns after the estimate (ADR 0023): the interval's calibration group and why it
 * was widened, and the record's warnings as codes with the field of each, in the same order
 * (space-separated; empty when none).
 */
export const TRUST_COLUMNS = [
  "interval_group",
  "interval_widened",
  "warning_codes",
  "warning_fields",
] as const;

export const RESULT_COLUMNS = [
  "predicted_price",
  "interval_lower",
  "interval_upper",
  "interval_level",
  "imputed_fields",
  ...TRUST_COLUMNS,
  "errors",
] as const;

/**
 * What the server answers (API CSV, dashboard download): RESULT_COLUMNS, then the
 * `prediction_id` to send back with the sale price (POST /api/v1/feedback). The batch CLI
 * scores offline, outside any server's live window, so its files stop at `errors`.
 */
export const SERVED_RESULT_COLUMNS = [...RESULT_COLUMNS, "prediction_id"] as const;

/** The cells of a prediction under RESULT_COLUMNS before `errors` (whole-dollar prices). */
export function predictionCells(p: Prediction): (string | number)[] {
  return [
    Math.round(p.price),
    Math.round(p.interval.lower),
    Math.round(p.interval.upper),
    p.interval.level,
    p.imputed.join(" "),
    p.interval.group,
    p.interval.widened.join(" "),
    p.warnings.map((w) => w.code).join(" "),
    p.warnings.map((w) => w.field).join(" "),
  ];
}

/**
 * The result CSV: `row` (counting data rows from `firstRow`), the input columns as uploaded,
 * then the prediction and its trust columns (or the row's errors). Prices are rounded to whole
 * dollars. A file written in slices passes `header: false` for every slice after the first.
 */
export function toResultCsv(
  table: CsvTable,
  items: readonly PredictionItem[],
  { firstRow = 1, header: withHeader = true }: { firstRow?: number; header?: boolean } = {},
): string {
  if (items.length !== table.records.length) {
    throw new Error(`${items.length} results for ${table.records.length} rows`);
  }
  // Header cells are the client's text too (an unknown column can be named "=HYPERLINK(…)").
  const header = ["row", ...table.columns.map(safeCell), ...SERVED_RESULT_COLUMNS];
  const rows = table.records.map((record, i) => {
    const item = items[i];
    const inputs = table.columns.map((c) => safeCell(record[c] ?? ""));
    const outputs = isRowError(item)
      ? [
          ...new Array<string>(RESULT_COLUMNS.length - 1).fill(""),
          safeCell(formatIssues(item.error.errors)),
          "",
        ]
      : [...predictionCells(item), "", item.prediction_id ?? ""];
    return [firstRow + i, ...inputs, ...outputs];
  });
  // csvLine writes what csv-stringify wrote, at a fraction of its cost and garbage (ADR 0063).
  return (withHeader ? [header, ...rows] : rows).map(csvLine).join("");
}

// A cell csv-stringify quotes (its default options): one with a quote, comma or line break.
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV line exactly as csv-stringify writes it with its default options, at a fraction of
 * its cost: the batch CLI writes one per row (tests/unit/csv-codec.test.ts holds the two equal).
 */
export function csvLine(cells: readonly (string | number)[]): string {
  return `${csvFields(cells)}\n`;
}

/** csvLine without its line break: cells quoted where needed, joined by commas. */
export function csvFields(cells: readonly (string | number)[]): string {
  let line = "";
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    // A number's text (digits, ".", "-", "e", "+", Infinity, NaN) never needs quotes.
    const text =
      typeof cell === "number" || cell === "" || !NEEDS_QUOTES.test(cell)
        ? String(cell)
        : `"${cell.replaceAll('"', '""')}"`;
    line = i === 0 ? text : `${line},${text}`;
  }
  return line;
}

// A cell after the first that starts with a character safeCell looks at (the first cell is
// checked by hand: `(?:^|,)` made the regex twice as slow).
const FORMULA_AFTER_COMMA = /,[=+\-@\t\r]/g;

/**
 * csvFields(cells.map(safeCell)) for the cells `line` was split into by readCsvRows' split
 * path (no quotes, no line breaks: no cell needs quoting), mostly without touching the cells:
 * the line itself, unless a cell starting like a formula is one (ADR 0055).
 */
export function safePlainLine(line: string, cells: readonly string[]): string {
  const unsafe = () => cells.map(safeCell).join(",");
  if (safeCell(cells[0]) !== cells[0]) return unsafe();
  FORMULA_AFTER_COMMA.lastIndex = 0;
  for (let m = FORMULA_AFTER_COMMA.exec(line); m; m = FORMULA_AFTER_COMMA.exec(line)) {
    const start = m.index + 1;
    const comma = line.indexOf(",", start);
    const end = comma === -1 ? line.length : comma;
    const cell = line.slice(start, end);
    if (safeCell(cell) !== cell) return unsafe();
    FORMULA_AFTER_COMMA.lastIndex = end;
  }
  return line;
}

export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("; ");
}

/**
 * Spreadsheets run a cell starting with = + - @ as a formula (CSV injection). Such text
 * gets a leading apostrophe; real numbers ("-93.6") stay untouched.
 */
export function safeCell(value: string): string {
  const first = value.charCodeAt(0); // NaN for "": no formula
  const formula =
    first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13;
  return formula && !Number.isFinite(Number(value)) ? `'${value}` : value;
}

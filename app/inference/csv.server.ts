import { CsvError } from "csv-parse";
import { parse } from "csv-parse/sync";
import { isRowError } from "~/api/items";
import type { FieldIssue, Prediction, PredictionItem } from "~/api/schemas";
import {
  HousingMLError,
  InvalidInputError,
  MalformedRequestError,
  PayloadTooLargeError,
} from "~/lib/errors.server";
import { FIELD_BY_NAME, REQUIRED_FIELDS, TARGET_FIELD } from "~/ml/fields";
import { checkLineLengths } from "./csv-lines.server";
import { LONE_CR_OR_LF, plainCsv, plainRecords } from "./csv-plain.server";

// CSV in and out for the API, the dashboard's upload and the batch CLI: one column policy,
// one result layout, one cell escaping.

export type CsvTable = {
  /** Header names, trimmed, in file order. */
  columns: string[];
  /** One object per data row, keyed by header; values are the raw (untrimmed) cell text. */
  records: Record<string, string>[];
};

/** Columns a CSV may have: the model reads ~80; ids and notes fit in the rest. */
export const MAX_CSV_COLUMNS = 256;
/** Characters in one cell: longer text is no property description. */
export const MAX_CSV_CELL_CHARS = 8 * 1024;
/** Characters in one line (its cells together). */
export const MAX_CSV_LINE_CHARS = 64 * 1024;
const LIMITS = {
  maxColumns: MAX_CSV_COLUMNS,
  maxCell: MAX_CSV_CELL_CHARS,
  maxLine: MAX_CSV_LINE_CHARS,
};

/**
 * Parses CSV text with a header row. Empty lines are skipped; a leading BOM (Excel) is
 * ignored. Broken CSV (ragged rows, bad quoting, empty or duplicate headers) →
 * MalformedRequestError (400) naming the line; a header without data rows → 422. The limits
 * are checked while parsing, so a file past one fails at the first line past it, not after
 * the whole file was read (ADR 0030): more than `maxRows` data rows, MAX_CSV_COLUMNS
 * columns, MAX_CSV_CELL_CHARS in a cell or MAX_CSV_LINE_CHARS in a line → 413.
 */
export function parseCsvRecords(text: string, maxRows: number): CsvTable {
  const table = readCsvTable(text, maxRows);
  return { columns: table.columns, records: table.slice(0, table.rows) };
}

/** parseCsvRecords, the records of plain lines built a slice at a time (ADR 0063). */
export function readCsvTable(text: string, maxRows: number) {
  if (text.trim() === "") throw new MalformedRequestError("The CSV file is empty.");
  const plain = plainCsv(text, { maxRows, ...LIMITS });
  if (plain) {
    const slice = (from: number, to: number) => plainRecords(plain, from, to);
    return { columns: plain.columns, rows: plain.lines.length, slice };
  }
  checkLineLengths(text, MAX_CSV_LINE_CHARS, MAX_CSV_COLUMNS);
  let columns: string[] = [];
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      bom: true,
      skip_empty_lines: true,
      // One row over the limit is enough to know it is too many: stop parsing there.
      to: maxRows + 1,
      // csv-parse counts a record's characters as it reads them and stops past this.
      max_record_size: MAX_CSV_LINE_CHARS,
      columns: (header: string[]) => {
        if (header.length > MAX_CSV_COLUMNS) {
          throw new PayloadTooLargeError(
            `The CSV file has ${header.length} columns; at most ${MAX_CSV_COLUMNS} are allowed.`,
          );
        }
        columns = header.map((h) => h.trim());
        checkHeader(columns);
        checkCells(header, 1);
        return columns;
      },
      on_record: (record: Record<string, string>, { lines }: { lines: number }) => {
        checkCells(Object.values(record), lines);
        return record;
      },
    });
  } catch (error) {
    if (error instanceof HousingMLError) throw error;
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      if (error.code === "CSV_MAX_RECORD_SIZE") {
        throw new PayloadTooLargeError(
          `Line ${line ?? "?"} of the CSV file is longer than ${MAX_CSV_LINE_CHARS} characters.`,
        );
      }
      throw new MalformedRequestError(csvErrorMessage(error, text));
    }
    throw error;
  }
  if (rows.length > maxRows) {
    throw new PayloadTooLargeError(
      `The CSV file has more than ${maxRows.toLocaleString("en-US")} data rows; split it into smaller files.`,
    );
  }
  if (rows.length === 0) {
    // A plain text file is one "header" line and no rows: when that line names none of the
    // required columns, what the file lacks is the columns, and columnPlan says so.
    if (!columns.some((c) => REQUIRED_FIELDS.includes(c))) columnPlan(columns);
    throw new InvalidInputError("The CSV file has a header but no data rows.");
  }
  return {
    columns,
    rows: rows.length,
    slice: (start: number, end: number) => rows.slice(start, end),
  };
}

/**
 * The parser's error in plain words, naming the line to look at. csv-parse reports an unclosed
 * quote at the END of the file (where it gave up); people need the line where it opened.
 */
function csvErrorMessage(error: CsvError, text: string): string {
  const line = (error as CsvError & { lines?: number }).lines;
  const prefix = "The CSV file could not be read";
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED": {
      const opened = unclosedQuoteLine(text);
      return `${prefix}: the quote (") opened on line ${opened ?? line} is never closed. Close it, or remove it if it is part of a value.`;
    }
    case "CSV_RECORD_INCONSISTENT_COLUMNS": {
      const m = /columns length is (\d+), got (\d+)/.exec(error.message);
      const counts = m ? `: it has ${m[2]} cells, the header has ${m[1]} columns` : "";
      return `${prefix}: line ${line} does not match the header${counts}. Check for a missing or extra comma.`;
    }
    case "CSV_INVALID_CLOSING_QUOTE":
    case "INVALID_OPENING_QUOTE":
      return `${prefix}: line ${line} has a quote (") inside a value that is not quoted as a whole. Quote the whole value and double the quote inside it ("").`;
    default: {
      const detail = error.message.replace(/^Invalid [^:]*: /, "");
      const where = line && !/\bline\b/.test(detail) ? ` (line ${line})` : "";
      return `${prefix}${where}: ${detail}`;
    }
  }
}

function checkCells(cells: readonly string[], line: number): void {
  for (const cell of cells) {
    if (cell.length > MAX_CSV_CELL_CHARS) {
      throw new PayloadTooLargeError(
        `A cell on line ${line} of the CSV file is longer than ${MAX_CSV_CELL_CHARS} characters.`,
      );
    }
  }
}

/** The 1-based line where the quoted field still open at the end of `text` began. */
function unclosedQuoteLine(text: string): number | undefined {
  let line = 1;
  let openedAt: number | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") line++;
    else if (c === '"') openedAt = openedAt === undefined ? line : undefined; // "" closes and reopens
  }
  return openedAt;
}

function checkHeader(columns: string[]): void {
  const empty = columns.findIndex((c) => c === "");
  if (empty >= 0) {
    throw new MalformedRequestError(
      `The CSV header has an empty column name (column ${empty + 1}).`,
    );
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new MalformedRequestError(`The CSV header names "${c}" twice.`);
    seen.add(c);
  }
}

/** How a CSV's columns are used (see columnPlan). */
export type ColumnPlan = {
  /** Columns named like a field: the model's inputs. */
  inputs: string[];
  /** Other columns (ids, notes, typos) except the target: not used, named in the answer. */
  ignored: string[];
};

/**
 * The one column rule of every CSV this app reads (API, dashboard upload, batch CLI; stated in
 * docs/api.md): a column named like a field is an input; any other column is not the model's
 * business: it is left out of the estimate, copied to the output as it was, and named in the
 * answer (Sale_Price, the target, silently). A header with an empty or repeated name, or
 * without a column for every required field, refuses the whole file.
 */
export function columnPlan(header: readonly string[]): ColumnPlan {
  const columns = header.map((h) => h.trim());
  checkHeader(columns);
  const missing = REQUIRED_FIELDS.filter((f) => !columns.includes(f));
  if (missing.length > 0) {
    const named = missing.map((f) => `${f} (${FIELD_BY_NAME.get(f)?.label})`);
    // None of them: likely not a CSV with a header line at all (a text file, a sheet saved
    // without its header row).
    const lead =
      missing.length === REQUIRED_FIELDS.length
        ? "The first line of the file is not a header naming the required columns (is it a CSV file?). "
        : "";
    throw new InvalidInputError(
      `${lead}The file has no column for: ${named.join(", ")}. These fields are required.`,
      missing.map((f) => ({ path: f, message: "is required: the file has no column for it" })),
    );
  }
  return {
    inputs: columns.filter((c) => FIELD_BY_NAME.has(c)),
    ignored: columns.filter((c) => !FIELD_BY_NAME.has(c) && c !== TARGET_FIELD),
  };
}

/** The warning an answer carries for ignored columns (none: undefined). */
export function ignoredColumnsWarning(ignored: readonly string[]): string | undefined {
  if (ignored.length === 0) return undefined;
  return `Column(s) not used by the model (copied as they are): ${ignored.join(", ")}.`;
}

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

/**
 * Records of CSV text without its header, as csv-parse reads them (skip_empty_lines,
 * relax_column_count) with `newline` as the record delimiter. Text without quotes and with
 * only that delimiter takes a split fast path (tests/unit/csv-codec.test.ts holds the two
 * equal); anything else goes to csv-parse.
 */
export function parseCsvRows(text: string, newline: "\n" | "\r\n"): string[][] {
  return readCsvRows(text, newline).rows;
}

/**
 * parseCsvRows, and for text that took the split path each record's line (its cells joined
 * by commas, nothing to unquote): a batch output copies it instead of writing every cell again.
 */
export function readCsvRows(
  text: string,
  newline: "\n" | "\r\n",
): { rows: string[][]; lines?: string[] } {
  const plain =
    !text.includes('"') && (newline === "\n" ? !text.includes("\r") : !LONE_CR_OR_LF.test(text));
  if (!plain) {
    const rows = parse(text, {
      skip_empty_lines: true,
      relax_column_count: true,
      record_delimiter: newline,
    }) as string[][];
    return { rows };
  }
  const rows: string[][] = [];
  const lines: string[] = [];
  for (const line of text.split(newline)) {
    if (line === "") continue;
    lines.push(line);
    rows.push(line.split(","));
  }
  return { rows, lines };
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

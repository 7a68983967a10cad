import { CsvError } from "csv-parse";
import { parse } from "csv-parse/sync";
import {
  HousingMLError,
  InvalidInputError,
  MalformedRequestError,
  PayloadTooLargeError,
} from "~/lib/errors.server";
import { FIELD_BY_NAME, REQUIRED_FIELDS, TARGET_FIELD } from "~/ml/fields";
import { checkLineLengths } from "./csv-lines.server";
import { LONE_CR_OR_LF, plainCsv, plainRecords } from "./csv-plain.server";

// CSV in for the API, the dashboard's upload and the batch CLI: one column policy, one set
// of limits (csv-write.server.ts writes the results).

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

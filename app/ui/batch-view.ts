// Batch upload: column checks and the summary the page shows. Pure and browser-safe.
import { FIELD_BY_NAME, REQUIRED_FIELDS, TARGET_FIELD } from "~/ml/fields";
import { humanizeLevel } from "./format";

export type ColumnCheck = {
  /** Columns the model reads. */
  known: string[];
  /** Columns it does not know: ignored for the estimate, kept in the result file. */
  ignored: string[];
  /** Required fields with no column at all: the file cannot be estimated. */
  missing: string[];
};

export function checkColumns(columns: readonly string[]): ColumnCheck {
  const known = columns.filter((c) => FIELD_BY_NAME.has(c));
  const ignored = columns.filter((c) => !FIELD_BY_NAME.has(c) && c !== TARGET_FIELD);
  const missing = REQUIRED_FIELDS.filter((f) => !columns.includes(f));
  return { known, ignored, missing };
}

/** A row with only the given columns (the unknown ones are not the model's business). */
export function pickColumns(record: Record<string, string>, columns: readonly string[]) {
  const out: Record<string, string> = {};
  for (const c of columns) if (record[c] !== undefined) out[c] = record[c];
  return out;
}

type Item =
  | { price: number; interval: { lower: number; upper: number; level: number }; imputed: string[] }
  | { error: { row: number; errors: { path: string; message: string }[] } };

export type PreviewRow = {
  row: number;
  neighbourhood: string;
  livingArea: string;
  yearBuilt: string;
  price?: number;
  lower?: number;
  upper?: number;
  error?: string;
};

export type RowIssue = { row: number; field: string; column: string; message: string };

export type BatchView = {
  fileName: string;
  rows: number;
  ok: number;
  failed: number;
  level: number | undefined;
  preview: PreviewRow[];
  issues: RowIssue[];
  /** Issues in the whole file (only the first `issues.length` are listed). */
  issueCount: number;
  ignoredColumns: string[];
};

/** Summary, first rows and per-row errors of a batch result (rows numbered from `firstRow`). */
export function buildBatchView(
  fileName: string,
  records: readonly Record<string, string>[],
  items: readonly Item[],
  {
    firstRow = 1,
    previewRows = 10,
    maxIssues = 100,
    ignoredColumns = [],
  }: {
    firstRow?: number;
    previewRows?: number;
    maxIssues?: number;
    ignoredColumns?: string[];
  } = {},
): BatchView {
  const allIssues: RowIssue[] = [];
  let level: number | undefined;
  items.forEach((item) => {
    if ("error" in item) {
      for (const e of item.error.errors) {
        allIssues.push({
          row: item.error.row,
          column: e.path,
          field: FIELD_BY_NAME.get(e.path)?.label ?? (e.path || "(row)"),
          message: e.message,
        });
      }
    } else level ??= item.interval.level;
  });
  const preview = records.slice(0, previewRows).map((r, i): PreviewRow => {
    const item = items[i];
    const base = {
      row: firstRow + i,
      neighbourhood: humanizeLevel(r.Neighborhood?.trim() ?? ""),
      livingArea: r.Gr_Liv_Area?.trim() ?? "",
      yearBuilt: r.Year_Built?.trim() ?? "",
    };
    if ("error" in item) {
      const n = item.error.errors.length;
      return { ...base, error: `${n} problem${n === 1 ? "" : "s"}` };
    }
    return { ...base, price: item.price, lower: item.interval.lower, upper: item.interval.upper };
  });
  const failed = items.filter((i) => "error" in i).length;
  return {
    fileName,
    rows: items.length,
    ok: items.length - failed,
    failed,
    level,
    preview,
    issues: allIssues.slice(0, maxIssues),
    issueCount: allIssues.length,
    ignoredColumns,
  };
}

/** Bytes for people: 10485760 → "10 MB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(0))} KB`;
  return `${bytes} bytes`;
}

/** A safe download name derived from the uploaded file's: "homes.csv" → "homes-estimates.csv". */
export function resultFileName(uploaded: string): string {
  const stem = uploaded
    .replace(/\.[^.]*$/, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .slice(0, 80);
  return `${stem || "batch"}-estimates.csv`;
}

import { isRowError } from "~/api/schemas";
// The batch page's view of an upload's results. Pure and browser-safe.
import type { UploadSummary } from "~/inference/upload.server";
import { FIELD_BY_NAME } from "~/ml/fields";
import { ellipsize } from "~/ml/issues";
import { humanizeLevel } from "~/components/format";

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

/**
 * Characters of a name the uploader chose (the file's, an ignored column's) that the page
 * shows: the page sends each twice (its HTML and its hydration data), so a 1 MiB file name
 * made a 2.1 MB page, for a request that needs no key (ADR 0052).
 */
const SHOWN_NAME_CHARS = 120;
const shown = (name: string) =>
  name.length > SHOWN_NAME_CHARS ? ellipsize(name, SHOWN_NAME_CHARS - 1) : name;

/** The page's summary, first rows and field issues of an upload's results. */
export function buildBatchView(summary: UploadSummary): BatchView {
  const preview = summary.head.map(({ row, record, item }): PreviewRow => {
    const base = {
      row,
      neighbourhood: humanizeLevel(record.Neighborhood?.trim() ?? ""),
      livingArea: record.Gr_Liv_Area?.trim() ?? "",
      yearBuilt: record.Year_Built?.trim() ?? "",
    };
    if (isRowError(item)) {
      const n = item.error.errors.length;
      return { ...base, error: `${n} problem${n === 1 ? "" : "s"}` };
    }
    return { ...base, price: item.price, lower: item.interval.lower, upper: item.interval.upper };
  });
  return {
    fileName: shown(summary.fileName),
    rows: summary.rows,
    ok: summary.ok,
    failed: summary.failed,
    level: summary.level,
    preview,
    issues: summary.issues.map((e) => ({
      row: e.row,
      column: e.path,
      field: FIELD_BY_NAME.get(e.path)?.label ?? (e.path || "(row)"),
      message: e.message,
    })),
    issueCount: summary.issueCount,
    ignoredColumns: summary.ignoredColumns.map(shown),
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

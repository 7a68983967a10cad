import { isRowError, type FieldIssue, type PredictionItem } from "~/api/schemas";
import {
  getMultipartBoundary,
  MaxPartsExceededError,
  parseMultipart,
} from "@remix-run/multipart-parser";
import { decodeBodyText } from "~/lib/body.server";
import {
  InvalidInputError,
  MalformedRequestError,
  PayloadTooLargeError,
} from "~/lib/errors.server";
import { csvInputFor } from "~/ml/csv-input";
import { columnPlan, readCsvTable } from "./csv.server";
import { toResultCsv } from "./csv-write.server";
import type { PredictionMeter } from "./meter.server";
import type { LoadedModel } from "./model.server";
import { predictRecords } from "./predict.server";
import { releaseBytes } from "~/lib/release-bytes.server";

// The handler of the dashboard's CSV upload, from the form's bytes to a summary of the
// results (or the result file): multipart → UTF-8 → CSV → columns → predictRecords. Like
// handleApiBody() it runs on the event loop or on a scoring thread, the same function.

/** Rows are numbered from the first data row (the header is not counted). */
const FIRST_ROW = 1;
/** Rows of the file whose inputs and results come back for a preview. */
const HEAD_ROWS = 10;
/** Field issues listed in a summary (all are counted). */
const MAX_ISSUES = 100;
/**
 * Rows scored at once. What a slice allocates (inputs, features, predictions, result lines)
 * outlives the thread's young-generation collections while the slice is scored, so it is
 * promoted and piles up in the old generation until a full collection; the smaller the slice,
 * the less piles up, at the same CPU per row (ADR 0053).
 */
const SLICE_ROWS = 100;

/** What a checked file gave: counts, its first rows, and its first field issues. */
export type UploadSummary = {
  fileName: string;
  rows: number;
  ok: number;
  failed: number;
  /** The interval level of the predictions (undefined when none succeeded). */
  level: number | undefined;
  head: { row: number; record: Record<string, string>; item: PredictionItem }[];
  issues: ({ row: number } & FieldIssue)[];
  issueCount: number;
  ignoredColumns: string[];
};

export type UploadInput = {
  /** The multipart/form-data body as sent by the batch page's form. */
  body: Uint8Array;
  contentType: string;
  maxRows: number;
  /** "summary": counts and first rows; "csv": the uploaded table with result columns appended. */
  output: "summary" | "csv";
  /** The body's buffer belongs to this call alone (moved to a scoring thread): freed once parsed. */
  releaseBody?: boolean;
};

/** `Body`: the result file as text, or as bytes when it comes back from a worker thread. */
export type UploadOutput<Body = string> =
  { kind: "summary"; summary: UploadSummary } | { kind: "csv"; fileName: string; body: Body };

const MAX_UPLOAD_PARTS = 8;

const NOT_MULTIPART = "The upload could not be read: send the form as multipart/form-data.";

/**
 * The form's `file` field as text. The multipart body is parsed where it lies: the file's
 * bytes are a view of the body, not copies (undici's `formData()` copied the body, the part
 * and the `File`, and `arrayBuffer()` once more: ADR 0063).
 */
function readCsvFile(input: UploadInput): { name: string; text: string } {
  if (!/^multipart\/form-data\s*;/i.test(input.contentType)) {
    throw new MalformedRequestError(NOT_MULTIPART);
  }
  try {
    const file = fileField(input.body, input.contentType);
    if (!file || file.bytes.byteLength === 0) {
      throw new InvalidInputError("Choose a CSV file to upload.");
    }
    return { name: file.name, text: decodeFile(file.bytes) };
  } finally {
    // The text is all that is used from here; the file's bytes are a view of the body.
    if (input.releaseBody) releaseBytes(input.body);
  }
}

function decodeFile(bytes: Uint8Array): string {
  try {
    return decodeBodyText(bytes);
  } catch {
    throw new MalformedRequestError(
      "The file is not UTF-8 text. Save it as “CSV UTF-8” (in Excel: File › Save As) and try again.",
    );
  }
}

/** The first `file` field that is a file (as `form.get("file")` found it), read in place. */
function fileField(body: Uint8Array, contentType: string) {
  const boundary = getMultipartBoundary(contentType);
  // The parser reads an empty body as a form without parts; undici refused it.
  if (!boundary || body.byteLength === 0) throw new MalformedRequestError(NOT_MULTIPART);
  let file: { name: string; bytes: Uint8Array } | undefined;
  let seen = false;
  try {
    // Every part is read, so a body cut short is a 400 as before, not half a form. No limit
    // of the parser's own: the body's is the one (a 1 MiB file name is read, as undici did).
    const size = body.byteLength;
    // Parsing costs per part (50,000 tiny files in 10 MiB took a scoring thread 8 s): the page
    // sends two (the file and the button); a few more are tolerated.
    const limits = {
      maxHeaderSize: size,
      maxFileSize: size,
      maxTotalSize: size,
      maxParts: MAX_UPLOAD_PARTS,
    };
    for (const part of parseMultipart(body, { boundary, ...limits })) {
      const field = formDataField(part.headers["content-disposition"]);
      if (seen || field.name !== "file") continue;
      seen = true;
      if (field.filename === undefined) continue; // a text field named "file": no file
      // One buffer in, one view out; `bytes` (a copy) only if the parser ever split it.
      const bytes = part.content.length === 1 ? part.content[0] : part.bytes;
      file = { name: field.filename, bytes };
    }
  } catch (error) {
    if (error instanceof MaxPartsExceededError) {
      throw new PayloadTooLargeError(
        `The form has more than ${MAX_UPLOAD_PARTS} parts; send one CSV file in the "file" field.`,
      );
    }
    throw new MalformedRequestError(NOT_MULTIPART);
  }
  return file;
}

// A file name must be quoted, as undici required: an unquoted `filename=a.csv` is a 400.
const DISPOSITION = /^form-data; name="([^"\r\n]*)"(?:; filename\*?="([^"\r\n]*)"|(?!; filename))/;

/**
 * A part's field name and file name read as undici's `formData()` read them (the WHATWG
 * multipart/form-data parser): the text between the quotes, with the %0A, %0D and %22 a
 * browser writes for a line break or a quote turned back; no backslash escapes.
 */
function formDataField(disposition: string | undefined) {
  const match = DISPOSITION.exec(disposition ?? "");
  if (!match) throw new MalformedRequestError(NOT_MULTIPART);
  const unescape = (text: string) =>
    text.replace(/%0A/gi, "\n").replace(/%0D/gi, "\r").replace(/%22/g, '"');
  return {
    name: unescape(match[1]),
    filename: match[2] === undefined ? undefined : unescape(match[2]),
  };
}

export async function handleUpload(
  model: LoadedModel,
  input: UploadInput,
  /** Where the counters go: the serving paths pass theirs, so none is forgotten. */
  meter: PredictionMeter,
): Promise<UploadOutput> {
  const { name, text } = readCsvFile(input);
  const table = readCsvTable(text, input.maxRows);
  const plan = columnPlan(table.columns);
  const toInput = csvInputFor(plan.inputs.map((c) => [c, c]));
  const csvParts: string[] = [];
  const summary: UploadSummary = {
    fileName: name,
    rows: table.rows,
    ok: 0,
    failed: 0,
    level: undefined,
    head: [],
    issues: [],
    issueCount: 0,
    ignoredColumns: plan.ignored,
  };
  // Scored a slice at a time, so that only one slice's records, features and results are
  // alive at once: a 10,000-row file held >96 MB on its thread in one piece (ADR 0048).
  for (let start = 0; start < table.rows; start += SLICE_ROWS) {
    const records = table.slice(start, start + SLICE_ROWS);
    const firstRow = FIRST_ROW + start;
    // A file where no row is valid still gets its per-row errors.
    const { predictions, counts } = await predictRecords(model, records.map(toInput), {
      source: "batch",
      firstRow,
      keepAllInvalid: true,
      meter,
    });
    summary.ok += counts.ok;
    summary.failed += counts.failed;
    if (input.output === "csv") {
      const slice = { columns: table.columns, records };
      csvParts.push(toResultCsv(slice, predictions, { firstRow, header: start === 0 }));
      continue;
    }
    for (let i = 0; i < predictions.length && summary.head.length < HEAD_ROWS; i++) {
      summary.head.push({ row: firstRow + i, record: records[i], item: predictions[i] });
    }
    for (const item of predictions) {
      if (!isRowError(item)) continue;
      summary.issueCount += item.error.errors.length;
      for (const e of item.error.errors) {
        if (summary.issues.length < MAX_ISSUES) summary.issues.push({ row: item.error.row, ...e });
      }
    }
  }
  if (input.output === "csv") return { kind: "csv", fileName: name, body: csvParts.join("") };
  if (summary.ok > 0) summary.level = model.manifest.interval.level;
  return { kind: "summary", summary };
}

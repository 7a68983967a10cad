import { isRowError, type FieldIssue, type PredictionItem } from "~/api/schemas";
import { countMultipartParts, decodeBodyText } from "~/lib/body.server";
import {
  InvalidInputError,
  MalformedRequestError,
  PayloadTooLargeError,
} from "~/lib/errors.server";
import { csvInputFor } from "~/ml/csv-input";
import { columnPlan, parseCsvRecords, toResultCsv } from "./csv.server";
import type { PredictionMeter } from "./meter.server";
import type { LoadedModel } from "./model.server";
import { predictRecords } from "./predict.server";

// The handler of the dashboard's CSV upload, from the form's bytes to a summary of the
// results (or the result file): multipart → UTF-8 → CSV → columns → predictRecords. Like
// handleApiBody() it runs on the event loop or on a scoring thread, the same function.

/** Rows are numbered from the first data row (the header is not counted). */
const FIRST_ROW = 1;
/** Rows of the file whose inputs and results come back for a preview. */
const HEAD_ROWS = 10;
/** Field issues listed in a summary (all are counted). */
const MAX_ISSUES = 100;

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
};

/** `Body`: the result file as text, or as bytes when it comes back from a worker thread. */
export type UploadOutput<Body = string> =
  { kind: "summary"; summary: UploadSummary } | { kind: "csv"; fileName: string; body: Body };

const MAX_UPLOAD_PARTS = 8;

const NOT_MULTIPART = "The upload could not be read: send the form as multipart/form-data.";

/** The form's `file` field as text; undici's multipart parser is the platform's own. */
async function readCsvFile(input: UploadInput): Promise<{ name: string; text: string }> {
  if (!/^multipart\/form-data\s*;/i.test(input.contentType)) {
    throw new MalformedRequestError(NOT_MULTIPART);
  }
  // Parsing costs per part: 50,000 tiny files in 10 MiB took a scoring thread 8 s. The page
  // sends two (the file and the button); a few more are tolerated.
  const parts = countMultipartParts(input.body, input.contentType, MAX_UPLOAD_PARTS);
  if (parts > MAX_UPLOAD_PARTS) {
    throw new PayloadTooLargeError(
      `The form has more than ${MAX_UPLOAD_PARTS} parts; send one CSV file in the "file" field.`,
    );
  }
  let form: FormData;
  try {
    const request = new Request("http://upload.invalid/", {
      method: "POST",
      headers: { "Content-Type": input.contentType },
      body: input.body as Uint8Array<ArrayBuffer>, // request bytes: never a SharedArrayBuffer
    });
    form = await request.formData();
  } catch {
    throw new MalformedRequestError(NOT_MULTIPART);
  }
  const file = form.get("file");
  if (!(file instanceof File) || file.size === 0) {
    throw new InvalidInputError("Choose a CSV file to upload.");
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    return { name: file.name, text: decodeBodyText(bytes) };
  } catch {
    throw new MalformedRequestError(
      "The file is not UTF-8 text. Save it as “CSV UTF-8” (in Excel: File › Save As) and try again.",
    );
  }
}

export async function handleUpload(
  model: LoadedModel,
  input: UploadInput,
  meter?: PredictionMeter,
): Promise<UploadOutput> {
  const { name, text } = await readCsvFile(input);
  const table = parseCsvRecords(text, input.maxRows);
  const plan = columnPlan(table.columns);
  const inputs = table.records.map(csvInputFor(plan.inputs.map((c) => [c, c])));
  // A file where no row is valid still gets its per-row errors.
  const { predictions, counts } = await predictRecords(model, inputs, {
    source: "batch",
    firstRow: FIRST_ROW,
    keepAllInvalid: true,
    meter,
  });
  if (input.output === "csv") {
    return {
      kind: "csv",
      fileName: name,
      body: toResultCsv(table, predictions, { firstRow: FIRST_ROW }),
    };
  }
  const issues = predictions.flatMap((item) =>
    isRowError(item) ? item.error.errors.map((e) => ({ row: item.error.row, ...e })) : [],
  );
  const summary: UploadSummary = {
    fileName: name,
    rows: predictions.length,
    ok: counts.ok,
    failed: counts.failed,
    level: predictions.find((item) => !isRowError(item))
      ? model.manifest.interval.level
      : undefined,
    head: predictions.slice(0, HEAD_ROWS).map((item, i) => ({
      row: FIRST_ROW + i,
      record: table.records[i],
      item,
    })),
    issues: issues.slice(0, MAX_ISSUES),
    issueCount: issues.length,
    ignoredColumns: plan.ignored,
  };
  return { kind: "summary", summary };
}

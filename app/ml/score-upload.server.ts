import { parseCsvRecords, toResultCsv } from "~/lib/batch-csv.server";
import { decodeBodyText } from "~/lib/body.server";
import { InvalidInputError, MalformedRequestError } from "~/lib/errors.server";
import { buildBatchView, checkColumns, pickColumns, type BatchView } from "~/ui/batch-view";
import { FIELD_BY_NAME } from "./fields";
import type { LoadedModel } from "./model-loader.server";
import type { PredictionMeter } from "./prediction-meter.server";
import { predictRecords } from "./predict.server";
import { coerceCsvRow } from "./schema";

// The dashboard's CSV upload from the form's bytes to what the page shows (or the result
// file): multipart → UTF-8 → CSV → column check → predictRecords → summary or CSV. Like
// scoreRequest() it is one function for both places it runs: a scoring worker thread for
// large uploads (parsing 10,000 rows held the event loop for ~1 s), the event loop otherwise.

/** Rows are numbered from the first data row (the header is not counted). */
const FIRST_ROW = 1;

export type UploadInput = {
  /** The multipart/form-data body as sent by the batch page's form. */
  body: Uint8Array;
  contentType: string;
  maxRows: number;
  /** "view": the page's summary; "csv": the uploaded table with result columns appended. */
  output: "view" | "csv";
};

/** `Body`: the result file as text, or as bytes when it comes back from a worker thread. */
export type UploadOutput<Body = string> =
  { kind: "view"; view: BatchView } | { kind: "csv"; fileName: string; body: Body };

const NOT_MULTIPART = "The upload could not be read: send the form as multipart/form-data.";

/** The form's `file` field as text; undici's multipart parser is the platform's own. */
async function readCsvFile(input: UploadInput): Promise<{ name: string; text: string }> {
  if (!/^multipart\/form-data\s*;/i.test(input.contentType)) {
    throw new MalformedRequestError(NOT_MULTIPART);
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

export async function scoreUpload(
  model: LoadedModel,
  input: UploadInput,
  meter?: PredictionMeter,
): Promise<UploadOutput> {
  const { name, text } = await readCsvFile(input);
  const table = parseCsvRecords(text, input.maxRows);
  if (table.records.length === 0) {
    throw new InvalidInputError("The file has a header but no data rows.");
  }
  const columns = checkColumns(table.columns);
  if (columns.missing.length > 0) {
    const missing = columns.missing.map((f) => `${f} (${FIELD_BY_NAME.get(f)?.label})`);
    throw new InvalidInputError(
      `The file has no column for: ${missing.join(", ")}. These fields are required.`,
    );
  }
  const inputs = table.records.map((r) => coerceCsvRow(pickColumns(r, columns.known)));
  // A file where no row is valid still gets its per-row errors.
  const { predictions } = await predictRecords(model, inputs, {
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
  const view = buildBatchView(name, table.records, predictions, {
    firstRow: FIRST_ROW,
    ignoredColumns: columns.ignored,
  });
  return { kind: "view", view };
}

import {
  MaxPartSizeExceededError,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from "@remix-run/node";
import { FIELD_BY_NAME } from "~/ml/fields";
import { getReadyModel } from "~/ml/inference.server";
import type { PredictionItem } from "~/ml/predict.server";
import { coerceCsvRow } from "~/ml/schema";
import { predictAnywhere } from "~/ml/score-pool.server";
import { checkColumns, formatBytes, pickColumns } from "~/ui/batch-view";
import { parseCsvRecords, type CsvTable } from "./batch-csv.server";
import { getConfig } from "./config.server";
import { InvalidInputError, MalformedRequestError, PayloadTooLargeError } from "./errors.server";
import { limitFormSubmission } from "./form-rate-limit.server";

// The dashboard's batch upload, shared by the "Check file" action (/batch) and the download
// resource route (/batch/download): rate limit → multipart → CSV → column check → predict.
// Every problem with the upload is a HousingMLError with a message fit for the page.

/** Rows are numbered from the first data row (the header is not counted). */
export const FIRST_ROW = 1;

export type BatchRun = {
  fileName: string;
  table: CsvTable;
  items: PredictionItem[];
  /** Columns the model does not know: not used, but kept in the result file. */
  ignoredColumns: string[];
};

async function readCsvUpload(request: Request, maxBytes: number) {
  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(
      request,
      unstable_createMemoryUploadHandler({ maxPartSize: maxBytes }),
    );
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) {
      throw new PayloadTooLargeError(`The file is larger than ${formatBytes(maxBytes)}.`);
    }
    throw new MalformedRequestError(
      "The upload could not be read: send the form as multipart/form-data.",
    );
  }
  const file = form.get("file");
  if (!(file instanceof File) || file.size === 0) {
    throw new InvalidInputError("Choose a CSV file to upload.");
  }
  try {
    return {
      name: file.name,
      text: new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer()),
    };
  } catch {
    throw new MalformedRequestError(
      "The file is not UTF-8 text. Save it as “CSV UTF-8” (in Excel: File › Save As) and try again.",
    );
  }
}

/** Predictions for every row; a file where no row is valid still gets its per-row errors. */
async function predictRows(inputs: Record<string, unknown>[]): Promise<PredictionItem[]> {
  const result = await predictAnywhere(getReadyModel(), inputs, {
    source: "batch",
    firstRow: FIRST_ROW,
    keepAllInvalid: true,
  });
  return result.predictions;
}

export async function runBatchUpload(request: Request): Promise<BatchRun> {
  const config = getConfig();
  await limitFormSubmission(request);
  getReadyModel(); // fail fast (503) before reading a large upload
  const { name, text } = await readCsvUpload(request, config.maxBodyBytes);
  const table = parseCsvRecords(text, config.maxBatchRows);
  if (table.records.length === 0)
    throw new InvalidInputError("The file has a header but no data rows.");
  const columns = checkColumns(table.columns);
  if (columns.missing.length > 0) {
    const missing = columns.missing.map((f) => `${f} (${FIELD_BY_NAME.get(f)?.label})`);
    throw new InvalidInputError(
      `The file has no column for: ${missing.join(", ")}. These fields are required.`,
    );
  }
  const inputs = table.records.map((r) => coerceCsvRow(pickColumns(r, columns.known)));
  return {
    fileName: name,
    table,
    items: await predictRows(inputs),
    ignoredColumns: columns.ignored,
  };
}

import type { AppLoadContext } from "@remix-run/node";
import { getReadyModel, predictUpload } from "~/inference/inference.server";
import type { UploadInput, UploadSummary } from "~/inference/upload.server";
import { formatBytes } from "./view";
import { readRequestBody } from "~/lib/body.server";
import { getConfig } from "~/lib/config.server";
import { PayloadTooLargeError } from "~/lib/errors.server";
import { limitFormSubmission } from "~/lib/form-rate-limit.server";

// The dashboard's batch upload, shared by the "Check file" action (/batch) and the download
// resource route (/batch/download): rate limit → model ready → the form's bytes → the
// inference facade (a scoring thread for large files). Every problem with the upload is a
// HousingMLError with a message fit for the page.

/** The summary of an uploaded file's results. */
export async function batchSummary(
  request: Request,
  context: AppLoadContext,
): Promise<UploadSummary> {
  const out = await runBatchUpload(request, context, "summary");
  if (out.kind !== "summary") throw new Error("a summary upload answered a file");
  return out.summary;
}

/** The uploaded file with the result columns appended, and the name it was uploaded as. */
export async function batchResultFile(request: Request, context: AppLoadContext) {
  const out = await runBatchUpload(request, context, "csv");
  if (out.kind !== "csv") throw new Error("a file upload answered a summary");
  return out;
}

async function runBatchUpload(
  request: Request,
  context: AppLoadContext,
  output: UploadInput["output"],
) {
  const config = getConfig();
  await limitFormSubmission(request);
  const model = getReadyModel(); // fail fast (503) before reading a large upload
  let body: Buffer;
  try {
    body = await readRequestBody(context, config.maxBodyBytes);
  } catch (error) {
    if (!(error instanceof PayloadTooLargeError)) throw error;
    throw new PayloadTooLargeError(`The file is larger than ${formatBytes(config.maxBodyBytes)}.`);
  }
  return predictUpload(
    {
      body,
      contentType: request.headers.get("content-type") ?? "",
      maxRows: config.maxBatchRows,
      output,
    },
    model,
  );
}

import type { AppLoadContext } from "@remix-run/node";
import { getReadyModel } from "~/ml/inference.server";
import { scoreUploadAnywhere } from "~/ml/score-pool.server";
import type { UploadInput } from "~/ml/score-upload.server";
import { formatBytes, type BatchView } from "~/ui/batch-view";
import { readRequestBody } from "./body.server";
import { getConfig } from "./config.server";
import { PayloadTooLargeError } from "./errors.server";
import { limitFormSubmission } from "./form-rate-limit.server";

// The dashboard's batch upload, shared by the "Check file" action (/batch) and the download
// resource route (/batch/download): rate limit → model ready → the form's bytes → scoring
// (~/ml/score-upload.server, on a worker thread for large files). Every problem with the
// upload is a HousingMLError with a message fit for the page.

/** The page's summary of an uploaded file. */
export async function batchSummary(request: Request, context: AppLoadContext): Promise<BatchView> {
  const out = await runBatchUpload(request, context, "view");
  if (out.kind !== "view") throw new Error("a summary upload answered a file");
  return out.view;
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
  return scoreUploadAnywhere(model, {
    body,
    contentType: request.headers.get("content-type") ?? "",
    maxRows: config.maxBatchRows,
    output,
  });
}

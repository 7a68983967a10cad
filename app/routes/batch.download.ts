import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { batchResultFile } from "./batch/upload.server";
import { bytesResponse } from "~/lib/bytes-response.server";
import { HousingMLError } from "~/lib/errors.server";
import { resultFileName } from "./batch/view";

// POST /batch/download: the same upload as "Check file", answered with the full result CSV as
// an attachment (a resource route, so the browser gets the raw file, with or without JS).
// Nothing is stored: the file is estimated again. A failed download goes back to the batch
// page with an error code (never the message itself: the URL must not carry arbitrary text).

export const loader = () => redirect("/batch");

export async function action({ request, context }: ActionFunctionArgs) {
  try {
    const out = await batchResultFile(request, context);
    return bytesResponse(out.body, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="${resultFileName(out.fileName)}"`,
        "Cache-Control": "no-store",
      },
    });
  } catch (error) {
    if (error instanceof HousingMLError && (error.status < 500 || error.status === 503)) {
      // The fragment scrolls a phone to the error, which sits below the form.
      return redirect(`/batch?download_error=${encodeURIComponent(error.code)}#batch-error`, 303);
    }
    throw error;
  }
}

import { STATUS_CODES } from "node:http";
import { FrameworkError } from "~/lib/errors.server";
import { PROBLEM_CONTENT_TYPE, toProblemResponse } from "~/lib/problem.server";
import type { Admission } from "./admission";

// Remix answers some errors by itself: a route error response as `{"message": …}` JSON with
// `X-Remix-Error`, and a thrown error in a resource route as plain-text "Unexpected Server
// Error". Neither is a problem nor carries the request id (ADR 0032). Pages keep their HTML
// error page; everything else gets the same status as a problem+json. The error itself was
// logged by entry.server's handleError, through the redacting logger.

/** A framework's own error answer, rewritten as a problem; any other answer as it is. */
export async function asProblem(
  response: Response,
  admission: Admission,
  requestId: string,
): Promise<Response> {
  if (response.status < 400 || admission.page) return response;
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith(PROBLEM_CONTENT_TYPE)) return response;
  const remixError = response.headers.has("X-Remix-Error");
  const lastResort = response.status >= 500 && type.startsWith("text/plain");
  if (!remixError && !lastResort) return response;
  await response.body?.cancel();
  const title = STATUS_CODES[response.status] ?? "Error";
  const problem = toProblemResponse(
    new FrameworkError(response.status, title, `${title} (${admission.route}).`),
    requestId,
  );
  // Remix's browser code recognises a data request's error by this header.
  if (remixError) problem.headers.set("X-Remix-Error", "yes");
  return problem;
}

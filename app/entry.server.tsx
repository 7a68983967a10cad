import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext, HandleErrorFunction } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { renderToPipeableStream } from "react-dom/server";
import { NonceProvider } from "~/components/nonce";
import { errorLogLevel } from "~/lib/errors.server";
import { getLogger } from "~/lib/logger.server";

/**
 * Errors Remix catches (a loader or action that threw, a render that failed) go through the
 * redacting logger, never as a raw stack on stderr (Remix's default is console.error).
 */
export const handleError: HandleErrorFunction = (error, { request, context }) => {
  const level = errorLogLevel(error, request.signal.aborted);
  if (!level) return;
  getLogger().log(level, "route error", {
    request_id: typeof context.requestId === "string" ? context.requestId : undefined,
    error,
  });
};

const ABORT_DELAY_MS = 5_000;

// Pages are small, so we always wait for the whole document (onAllReady): simpler than
// out-of-order streaming and identical for bots and browsers. The per-request CSP nonce
// comes from the server (see server/security.ts) through the load context.
export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = typeof loadContext.cspNonce === "string" ? loadContext.cspNonce : undefined;
  return new Promise<Response>((resolve, reject) => {
    let failed = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY_MS} />
      </NonceProvider>,
      {
        nonce,
        onAllReady() {
          const body = new PassThrough();
          responseHeaders.set("Content-Type", "text/html; charset=utf-8");
          resolve(
            new Response(createReadableStreamFromReadable(body), {
              headers: responseHeaders,
              status: failed ? 500 : responseStatusCode,
            }),
          );
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          failed = true;
          getLogger().error("page render failed", { request_id: loadContext.requestId, error });
        },
      },
    );
    setTimeout(abort, ABORT_DELAY_MS);
  });
}

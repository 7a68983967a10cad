import type { BodyAccount, BodyStream } from "~/lib/body.server";

// What the custom server passes to every loader/action (see server/app-listener.ts).
declare module "@remix-run/node" {
  interface AppLoadContext {
    requestId: string;
    cspNonce: string;
    /** Extra fields for this request's access-log line (e.g. the API key id). */
    logFields: Record<string, unknown>;
    /**
     * The request body as it arrives, and the most bytes its route may read: routes that
     * take uploads read it with readRequestBody() after their own checks.
     */
    body: {
      stream: BodyStream;
      maxBytes: number;
      /** The shared memory budget of dashboard uploads (none for the API). */
      account?: BodyAccount;
      /** BODY_TIMEOUT_MS: the body must arrive within it. */
      timeoutMs: number;
    };
  }
}
export {};

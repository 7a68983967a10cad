// What the custom server passes to every loader/action (see server/app-listener.ts).
declare module "@remix-run/node" {
  interface AppLoadContext {
    requestId: string;
    cspNonce: string;
    /** Extra fields for this request's access-log line (e.g. the API key id). */
    logFields: Record<string, unknown>;
    /** A small API request body, already read by the server (server/fetch-request.ts). */
    body?: Buffer;
  }
}
export {};

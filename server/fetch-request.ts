import type { IncomingMessage, ServerResponse } from "node:http";
import { createHeaders, createRequest } from "@remix-run/node-fetch-server";
import { MalformedRequestError } from "~/lib/errors.server";

// node:http request → the Fetch `Request` Remix takes. node-fetch-server's createRequest
// did this before (ADR 0015 says why it no longer does on our hot path): it gave every request
// an AbortController that undici's Request then follows with its own signal and listeners,
// and every POST a web ReadableStream over the socket. Both are among the most expensive
// objects to create in Node 20 (makeTransferable), and nothing in this app reads the signal.

/**
 * API bodies up to this size are read before Remix runs and handed to the route as bytes
 * (`context.body`): a one-row prediction is ~1.5 KiB. Larger or chunked bodies stay a stream
 * that the route reads only after the key check, so an unauthenticated client cannot make
 * the server buffer more than this.
 */
const PREREAD_MAX_BYTES = 64 * 1024;

/** Whether to read the body up front: an API request declaring at most PREREAD_MAX_BYTES. */
export function shouldPreread(method: string | undefined, pathname: string, declared: number) {
  return (
    pathname.startsWith("/api/") &&
    method !== "GET" &&
    method !== "HEAD" &&
    declared > 0 &&
    declared <= PREREAD_MAX_BYTES
  );
}

/**
 * The whole body of a request with a Content-Length: node's parser delivers exactly that
 * many bytes, so the size needs no check here.
 */
export function readSmallBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    // The client went away mid-body: node emits 'error' (aborted) and/or 'close' without
    // 'end'. Nobody is left to answer; the rejection only ends this request quietly.
    const cutOff = () => reject(new MalformedRequestError("The request body was cut off."));
    req.once("error", cutOff);
    req.once("close", () => {
      if (!req.complete) cutOff();
    });
  });
}

/**
 * The Fetch Request for Remix. GET/HEAD requests and bodies already read (`bodyRead`, passed
 * in the load context) get a Request without a stream and with undici's own signal, which
 * never aborts: no loader or action here is long-running and cancellable (a scoring task runs
 * to completion either way), and node:http notices a gone client. Other bodies stream from
 * the socket through node-fetch-server, with its backpressure and abort handling.
 */
export function toFetchRequest(req: IncomingMessage, res: ServerResponse, bodyRead: boolean) {
  const method = req.method ?? "GET";
  try {
    if (method !== "GET" && method !== "HEAD" && !bodyRead) return createRequest(req, res);
    // Origin-form targets ("/path?q") are joined as text, so the Request parses the URL once.
    const target = req.url ?? "/";
    const origin = `http://${req.headers.host ?? "localhost"}`;
    const url = target.startsWith("/") ? origin + target : new URL(target, origin).href;
    return new Request(url, { method, headers: createHeaders(req) });
  } catch (error) {
    // The URL is built from the client's Host header and request target: a bad one is a 400.
    if (error instanceof TypeError)
      throw new MalformedRequestError("The Host header or request target is not a valid URL.");
    throw error;
  }
}

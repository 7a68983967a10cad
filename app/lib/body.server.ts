import { isAscii } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { AppLoadContext } from "@remix-run/node";
import {
  MalformedRequestError,
  PayloadTooLargeError,
  RequestTimeoutError,
  ServerBusyError,
  UnsupportedMediaTypeError,
} from "./errors.server";
import { releaseBytes } from "./release-bytes.server";
import { singleton } from "./singleton.server";

/** What a body is read from: node's request stream (the server passes it in the context). */
export type BodyStream = Pick<
  IncomingMessage,
  "on" | "once" | "off" | "resume" | "complete" | "readableEnded"
>;

export type BodyKind = "json" | "csv";

/** Which body parser applies, from Content-Type; anything else is a 415. */
export function bodyKind(request: Request, accepted: readonly BodyKind[]): BodyKind {
  const type = (request.headers.get("content-type") ?? "").split(";", 1)[0].trim().toLowerCase();
  const kind: BodyKind | undefined =
    type === "application/json" || type.endsWith("+json")
      ? "json"
      : type === "text/csv"
        ? "csv"
        : undefined;
  if (!kind || !accepted.includes(kind)) {
    const allowed = accepted
      .map((k) => (k === "json" ? "application/json" : "text/csv"))
      .join(" or ");
    throw new UnsupportedMediaTypeError(
      `Content-Type must be ${allowed}${type ? `, got ${type}` : ""}.`,
    );
  }
  return kind;
}

/** Where body bytes held in memory are counted (a shared budget); false = no room. */
export type BodyAccount = { take(bytes: number): boolean };

export type ReadOptions = {
  /** Bytes are taken from this account as they arrive; past its room, a 503. */
  account?: BodyAccount;
  /** The whole body must arrive within this many ms (0/undefined: no limit), else a 408. */
  timeoutMs?: number;
};

/** Seconds a client whose upload found the memory budget full should wait. */
const BUDGET_RETRY_AFTER_SECONDS = 5;

/**
 * The one reader of request bodies: the socket's chunks, counted as they arrive, into one
 * Buffer. Past `maxBytes` it stops keeping them and rejects with a 413 (the server closes the
 * connection instead of reading the rest). Plain stream events, no web ReadableStream:
 * creating one costs more than reading a small body. A body slower than `timeoutMs` is a 408;
 * one the shared memory budget has no room for is a 503 with Retry-After (ADR 0031).
 */
export function readBody(
  req: BodyStream,
  maxBytes: number,
  { account, timeoutMs = 0 }: ReadOptions = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (req.readableEnded) return resolve(Buffer.alloc(0));
    const waiting = awaitingContinue.get(req);
    if (waiting) {
      awaitingContinue.delete(req);
      waiting.writeContinue();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const timer =
      timeoutMs > 0
        ? setTimeout(
            () =>
              fail(
                new RequestTimeoutError(`The request body did not arrive within ${timeoutMs} ms.`),
              ),
            timeoutMs,
          )
        : undefined;
    const stop = () => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onCutOff);
      req.off("close", onClose);
    };
    const fail = (error: Error) => {
      stop();
      chunks.length = 0;
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        return fail(
          new PayloadTooLargeError(`Request body exceeds the limit of ${maxBytes} bytes.`),
        );
      }
      if (account && !account.take(chunk.length)) {
        const busy = "The server holds as many uploads as it can; retry in a few seconds.";
        return fail(new ServerBusyError(busy, { retryAfterSeconds: BUDGET_RETRY_AFTER_SECONDS }));
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      if (chunks.length === 1) return resolve(chunks[0]);
      const body = Buffer.concat(chunks, size);
      // node's HTTP parser copies each body chunk into a buffer of its own: free them now,
      // not at the event loop's next GC, which waits for V8's external-memory limit (ADR 0053).
      for (const chunk of chunks) releaseBytes(chunk);
      resolve(body);
    };
    // The client went away mid-body: node emits 'error' (aborted) and/or 'close' without
    // 'end'. Nobody is left to answer; the rejection only ends this request quietly.
    const onCutOff = () => fail(new MalformedRequestError("The request body was cut off."));
    const onClose = () => {
      if (!req.complete) onCutOff();
    };
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onCutOff);
    req.once("close", onClose);
  });
}

const reads = new WeakMap<BodyStream, Promise<Buffer>>();

/**
 * Requests that sent `Expect: 100-continue`, answered "100 Continue" only when their body is
 * read: a request refused first (no key, rate limit, 415, 405…) gets its answer before the
 * client sends a byte of its body, which is what the header asks for. Node's default says
 * "continue" to every request at once.
 */
export const awaitingContinue: WeakMap<BodyStream, { writeContinue(): void }> = singleton(
  "awaiting-continue",
  () => new WeakMap<BodyStream, { writeContinue(): void }>(),
);

/**
 * Bodies being read by a route that checked an API key: at SIGTERM, the server lets those
 * finish and closes every other connection still sending a body (server/shutdown.ts).
 * Shared by the server's bundle and Remix's (a singleton).
 */
export const authenticatedReads: WeakSet<BodyStream> = singleton(
  "authenticated-body-reads",
  () => new WeakSet<BodyStream>(),
);

/**
 * The body of the request a loader or action answers: at most `maxBytes` and never more than
 * its route allows (server/admission.ts). Read once; a second call gets the same bytes.
 */
export function readRequestBody(
  context: AppLoadContext,
  maxBytes: number,
  { authenticated = false }: { authenticated?: boolean } = {},
): Promise<Buffer> {
  const { stream, maxBytes: routeMax, account, timeoutMs } = context.body;
  if (authenticated) authenticatedReads.add(stream);
  let read = reads.get(stream);
  if (!read) {
    read = readBody(stream, Math.min(maxBytes, routeMax), { account, timeoutMs });
    reads.set(stream, read);
  }
  return read;
}

/** Body bytes as text: ASCII fast, otherwise strict UTF-8 (a 400 for invalid bytes). */
export function decodeBodyText(bytes: Uint8Array): string {
  // Bodies are nearly always ASCII, and for ASCII a one-byte decode is a plain copy, far
  // cheaper than UTF-8 decoding (ADR 0020); anything else gets the strict UTF-8 decoder.
  if (isAscii(bytes))
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("ascii");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new MalformedRequestError("Request body is not valid UTF-8.");
  }
}

/**
 * Objects and arrays a JSON text opens, counted from its `{` and `[` characters (ones inside
 * strings count too, so the count errs high), stopping once past `limit`.
 */
function countJsonContainers(text: string, limit: number): number {
  let n = 0;
  for (const open of ["{", "["]) {
    for (let at = text.indexOf(open); at !== -1 && n <= limit; at = text.indexOf(open, at + 1)) n++;
  }
  return n;
}

/**
 * JSON.parse with a bound on the values it may build. Parsing costs memory per value, not per
 * byte: 10 MiB of `[[[[…` is 5 million arrays (~170 MiB of heap), while 10,000 records are
 * ~10,000 objects; so a body that opens more than `maxContainers` objects and arrays is
 * refused (413) before it is parsed.
 */
export function parseJson(text: string, maxContainers = Infinity): unknown {
  if (text.trim() === "")
    throw new MalformedRequestError("Request body is empty: send a JSON object.");
  if (maxContainers !== Infinity && countJsonContainers(text, maxContainers) > maxContainers) {
    throw new PayloadTooLargeError(
      `The JSON body opens more than ${maxContainers} objects and arrays (a "{" or "[" ` +
        "inside a string counts too); send fewer items per request.",
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MalformedRequestError(`Malformed JSON: ${(error as Error).message}`);
  }
}

import type { ServerResponse } from "node:http";
import { releaseBytes } from "./release-bytes.server";
import { singleton } from "./singleton.server";

// A large answer (a batch's predictions, a result file) as a Response that holds its bytes,
// not a copy of them, freed once the socket has them. undici's Response copies a Uint8Array
// or string body, and the original and the copy then stay resident until the event loop's
// next major GC (ADR 0066).

/** Bodies the server frees after sending: the stream a route answered with → its bytes. */
const freedAfterSending: WeakMap<ReadableStream, Uint8Array> = singleton(
  "freed-after-sending",
  () => new WeakMap<ReadableStream, Uint8Array>(),
);

const encoder = new TextEncoder();

/**
 * A Response whose body is `body` itself (text is encoded once, here), with its
 * Content-Length. Nothing else may use the bytes: the server frees them once sent
 * (`freeWhenSent`).
 */
export function bytesResponse(body: string | Uint8Array, init: ResponseInit = {}): Response {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  // A Buffer over the same memory: the compression middleware copies any other Uint8Array.
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(view);
      controller.close();
    },
  });
  freedAfterSending.set(stream, bytes);
  const headers = new Headers(init.headers);
  headers.set("Content-Length", String(bytes.byteLength));
  return new Response(stream, { ...init, headers });
}

/**
 * Frees a `bytesResponse` body once the last byte went to the socket ("finish"; not on
 * "close": a write cut off may still be in flight, and the collector frees those).
 */
export function freeWhenSent(response: Response, res: ServerResponse): void {
  const bytes = response.body && freedAfterSending.get(response.body);
  if (bytes) res.once("finish", () => releaseBytes(bytes));
}

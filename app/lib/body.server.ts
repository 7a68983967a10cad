import { isAscii } from "node:buffer";
import {
  MalformedRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from "./errors.server";

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

/**
 * Reads the body's bytes, counting them as they stream in: the server already rejects a
 * too-large Content-Length, this also covers chunked uploads without one. `preread` is a
 * body the server already read (small API bodies, server/fetch-request.ts).
 */
export async function readBodyBytes(
  request: Request,
  maxBytes: number,
  preread?: Buffer,
): Promise<Buffer> {
  if (preread) {
    if (preread.byteLength > maxBytes) throw tooLarge(maxBytes);
    return preread;
  }
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

const tooLarge = (maxBytes: number) =>
  new PayloadTooLargeError(`Request body exceeds the limit of ${maxBytes} bytes.`);

/** Body bytes as text: ASCII fast, otherwise strict UTF-8 (a 400 for invalid bytes). */
export function decodeBodyText(bytes: Uint8Array): string {
  // Bodies are nearly always ASCII, and for ASCII a one-byte decode is a plain copy, far
  // cheaper than UTF-8 decoding (fatal or not; isUtf8 + toString costs the same). "ascii"
  // rather than "latin1" (the same string for ASCII bytes): decode + JSON.parse of a 1.5 MB
  // batch took 5.1–5.9 ms against 6.8–9.2, the whole 1,000-row scoring ~3% less CPU.
  // Anything else gets the strict UTF-8 decoder.
  if (isAscii(bytes))
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("ascii");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new MalformedRequestError("Request body is not valid UTF-8.");
  }
}

export function parseJson(text: string): unknown {
  if (text.trim() === "")
    throw new MalformedRequestError("Request body is empty: send a JSON object.");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MalformedRequestError(`Malformed JSON: ${(error as Error).message}`);
  }
}

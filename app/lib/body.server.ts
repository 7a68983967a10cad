import { isAscii } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { AppLoadContext } from "@remix-run/node";
import {
  MalformedRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from "./errors.server";

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

/**
 * The one reader of request bodies: the socket's chunks, counted as they arrive, into one
 * Buffer. Past `maxBytes` it stops keeping them and rejects with a 413; the rest of the body
 * is read and thrown away, so the connection stays usable and nothing more is held. Plain
 * stream events, no web ReadableStream: creating one costs more than reading a small body.
 */
export function readBody(req: BodyStream, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (req.readableEnded) return resolve(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onCutOff);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      stop();
      chunks.length = 0;
      req.resume(); // discard the rest
      reject(new PayloadTooLargeError(`Request body exceeds the limit of ${maxBytes} bytes.`));
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    // The client went away mid-body: node emits 'error' (aborted) and/or 'close' without
    // 'end'. Nobody is left to answer; the rejection only ends this request quietly.
    const onCutOff = () => {
      stop();
      reject(new MalformedRequestError("The request body was cut off."));
    };
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
 * The body of the request a loader or action answers: at most `maxBytes` and never more than
 * its route allows (server/admission.ts). Read once; a second call gets the same bytes.
 */
export function readRequestBody(context: AppLoadContext, maxBytes: number): Promise<Buffer> {
  const { stream, maxBytes: routeMax } = context.body;
  let read = reads.get(stream);
  if (!read) reads.set(stream, (read = readBody(stream, Math.min(maxBytes, routeMax))));
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

export function parseJson(text: string): unknown {
  if (text.trim() === "")
    throw new MalformedRequestError("Request body is empty: send a JSON object.");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MalformedRequestError(`Malformed JSON: ${(error as Error).message}`);
  }
}

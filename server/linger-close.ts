import type { IncomingMessage } from "node:http";

/** A rest of a body this short is cheaper to skip than a new connection. */
const SKIP_MAX_BYTES = 64 * 1024;
/** How long a closing connection waits before it is dropped: time for the client to read. */
const LINGER_MS = 1000;

/**
 * After an answer went out while the request body was still unread (a refused or ignored
 * body), close the connection instead of reading the rest of an arbitrarily long body: that
 * is work for nothing and, on Node 24, up to ~60 MiB of transient RSS for a refused 64 MiB
 * body (ADR 0029). Stop reading, send FIN, and destroy the socket LINGER_MS later.
 * Destroying at once would answer the client's next segment with a TCP reset, which can drop
 * the answer from the client's receive buffer before it was read; while reading is paused
 * the client's writes just block on a full window.
 */
export function lingerClose(req: IncomingMessage): void {
  const socket = req.socket;
  if (req.complete || socket.destroyed) return;
  const declared = Number(req.headers["content-length"]);
  if (declared <= SKIP_MAX_BYTES) return; // node reads it; the connection stays usable
  req.pause();
  socket.pause();
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** A rest of a body this short is cheaper to skip than a new connection. */
const SKIP_MAX_BYTES = 64 * 1024;
/** How long a closing connection stays open after its answer: time for the client to read. */
const LINGER_MS = 1000;

const closing = new WeakSet<Socket>();

/**
 * Call before an answer is sent. If the request's body is still unread and not short (a
 * refused body, or one the route never reads), the connection closes after the answer
 * instead of reading the rest of an arbitrarily long body: that is work for nothing and, on
 * Node 24, up to ~60 MiB of transient RSS for a refused 64 MiB body (ADR 0029).
 *
 * The answer says `Connection: close`, so a keep-alive client sends nothing more on it. node
 * ends such a socket with destroySoon(), which destroys it as soon as the answer is written:
 * a client still sending would then get a TCP reset, which can drop the answer from its
 * receive buffer before it was read. Here the socket stops reading (the client's writes block
 * on a full window), sends FIN after the answer, and is destroyed LINGER_MS later, as nginx's
 * lingering close does.
 */
export function closeIfBodyLeft(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  if (req.complete || res.headersSent || socket.destroyed || closing.has(socket)) return;
  // Decided from the headers: `complete` is still false in the tick a bodyless GET arrives.
  const chunked = req.headers["transfer-encoding"] !== undefined;
  const declared = Number(req.headers["content-length"] ?? 0);
  // No body, or a short one node reads: the connection stays usable.
  if (!chunked && declared <= SKIP_MAX_BYTES) return;
  closing.add(socket);
  res.setHeader("Connection", "close");
  req.pause();
  socket.pause();
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

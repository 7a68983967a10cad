import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * Requests one connection may have in flight. HTTP/1.1 lets a client send requests before the
 * answers to earlier ones (pipelining), and node starts a handler for every request already in
 * a received chunk, so one connection could put thousands in flight at once and every other
 * client waited behind them. Browsers and HTTP client libraries do not pipeline.
 */
export const MAX_IN_FLIGHT_PER_CONNECTION = 16;

const inFlight = new WeakMap<Socket, number>();

/**
 * Call first for every request: false when it must not run, because its connection was
 * closed, or is closed now for having more than MAX_IN_FLIGHT_PER_CONNECTION requests in
 * flight (the ones already parsed from the same chunk then cost a check each).
 */
export function admitOnConnection(req: IncomingMessage, res: ServerResponse): boolean {
  const socket = req.socket;
  if (socket.destroyed) return false;
  const n = (inFlight.get(socket) ?? 0) + 1;
  if (n > MAX_IN_FLIGHT_PER_CONNECTION) {
    socket.destroy();
    return false;
  }
  inFlight.set(socket, n);
  res.once("close", () => inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1));
  return true;
}

import type { IncomingMessage, Server, ServerOptions, ServerResponse } from "node:http";
import type { Socket } from "node:net";

// What one TCP connection may hold: a request head that never completes (node's defaults kept
// such a connection ~85 s, with no cap on how many; ADR 0052), and requests sent without
// waiting for the answers (pipelining; ADR 0035).

/**
 * Connections open at once; past it node closes a new connection as soon as it is accepted.
 * A stalled connection holds at most a 16 KiB head (~31 KB of RSS measured), so this bounds
 * what slow heads can hold to ~130 MB, well inside the file-descriptor limit (ECS: 65,535).
 * Behind the ALB the connections come from the balancer, a few hundred at full load.
 */
export const MAX_CONNECTIONS = 4096;

/**
 * The server options that bound a connection's request head: it must arrive within
 * HEADERS_TIMEOUT_MS (a client sends it in one packet; 15 s is generous for a bad mobile
 * link), checked every CHECK_INTERVAL_MS. keepAliveTimeout stays above the ALB's 60 s idle
 * timeout, so the balancer, not the server, closes an idle keep-alive connection.
 * A body's own time limit is BODY_TIMEOUT_MS (ADR 0032).
 */
export const HEADERS_TIMEOUT_MS = 15_000;
const CHECK_INTERVAL_MS = 1_000;

export const connectionOptions: ServerOptions = {
  keepAliveTimeout: 65_000,
  headersTimeout: HEADERS_TIMEOUT_MS,
  connectionsCheckingInterval: CHECK_INTERVAL_MS,
};

/**
 * The same bounds for a server created elsewhere (the metrics port): settable after creation,
 * except the check interval, which stays node's 30 s there.
 */
export function limitConnections(server: Server): void {
  server.maxConnections = MAX_CONNECTIONS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
}

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

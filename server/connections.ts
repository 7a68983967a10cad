import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { MethodNotAllowedError } from "~/lib/errors.server";
import { PROBLEM_CONTENT_TYPE, toProblem } from "~/lib/problem.server";

// What one TCP connection may hold: a request head that never completes (node's defaults kept
// such a connection ~85 s, with no cap on how many; ADR 0052), and requests sent without
// waiting for the answers (pipelining; ADR 0035). Every listener of the process (the app's
// port and the metrics port) is created by createBoundedServer, so both get all of it.

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
 * link), checked every CHECK_INTERVAL_MS. A body's own time limit is BODY_TIMEOUT_MS (ADR 0032).
 */
export const HEADERS_TIMEOUT_MS = 15_000;
const CHECK_INTERVAL_MS = 1_000;

/**
 * Above the ALB's 60 s idle timeout, so the balancer, not the server, closes an idle
 * keep-alive connection.
 */
export const BEHIND_ALB_KEEP_ALIVE_MS = 65_000;

/**
 * An HTTP server with every bound of this file: the head's timeout, the connection cap, and
 * the in-flight cap per connection, checked before `listener` runs. `keepAliveTimeout`:
 * BEHIND_ALB_KEEP_ALIVE_MS for the port the balancer talks to; node's 5 s elsewhere.
 */
export function createBoundedServer(
  listener: (req: IncomingMessage, res: ServerResponse) => unknown,
  {
    keepAliveTimeout = 5_000,
    methods = ["GET", "HEAD", "POST", "OPTIONS"],
  }: {
    keepAliveTimeout?: number;
    /** The methods the port answers (a CONNECT's 405 lists them). */
    methods?: string[];
  } = {},
): http.Server {
  const options: http.ServerOptions = {
    keepAliveTimeout,
    headersTimeout: HEADERS_TIMEOUT_MS,
    connectionsCheckingInterval: CHECK_INTERVAL_MS,
  };
  const server = http.createServer(options, (req, res) => {
    if (admitOnConnection(req, res)) void listener(req, res);
  });
  const refusal = connectRefusal(methods);
  server.on("connect", (_req: IncomingMessage, socket: Socket) => refuseConnect(socket, refusal));
  server.maxConnections = MAX_CONNECTIONS;
  return server;
}

/** How long a refused CONNECT's connection may take to receive its answer. */
const CONNECT_ANSWER_MS = 5_000;

/**
 * node hands a CONNECT (a proxy's tunnel request) to a "connect" listener with the raw socket,
 * outside the HTTP server's handling (no error handler, timeouts or connection list), and
 * without a listener drops it unanswered. This server is no proxy: a fixed 405 problem, then
 * the socket is destroyed, whatever the client does (resets, half-closes, stops reading).
 */
function refuseConnect(socket: Socket, refusal: string): void {
  socket.on("error", () => socket.destroy());
  socket.setTimeout(CONNECT_ANSWER_MS, () => socket.destroy());
  socket.end(refusal, () => socket.destroy());
}

/** The 405 problem refuseConnect writes, whole: the same for every CONNECT to a port. */
function connectRefusal(methods: string[]): string {
  const body = JSON.stringify(toProblem(new MethodNotAllowedError(methods)));
  const head = [
    "HTTP/1.1 405 Method Not Allowed",
    `Allow: ${methods.join(", ")}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Cache-Control: no-store",
    "X-Content-Type-Options: nosniff",
    "Connection: close",
  ];
  return `${head.join("\r\n")}\r\n\r\n${body}`;
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
 * False when a request must not run, because its connection was closed, or is closed now for
 * having more than MAX_IN_FLIGHT_PER_CONNECTION requests in flight (the ones already parsed
 * from the same chunk then cost a check each).
 */
function admitOnConnection(req: IncomingMessage, res: ServerResponse): boolean {
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

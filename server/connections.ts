import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import {
  HeaderFieldsTooLargeError,
  MalformedRequestError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  RequestTimeoutError,
} from "~/lib/errors.server";
import { rawProblemAnswer } from "~/lib/problem.server";

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
  const answers = rawAnswers(methods);
  server.on("connect", (_req: IncomingMessage, socket: Socket) =>
    answerAndClose(socket, answers.connect),
  );
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // As node's own handler: nothing to say on a reset or an unwritable socket, and a
    // response already under way on it is cut rather than followed by a second one.
    const current = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || current?.headersSent) {
      return socket.destroy();
    }
    answerAndClose(socket, answers[CLIENT_ERRORS[error.code ?? ""] ?? "malformed"]);
  });
  server.maxConnections = MAX_CONNECTIONS;
  return server;
}

/** How long a connection may take to receive an answerAndClose answer. */
const ANSWER_MS = 5_000;

/**
 * The problem answers written on a raw socket, built once per port. node's HTTP server hands
 * a CONNECT (a proxy's tunnel request) to a "connect" listener and a request it cannot parse
 * to a "clientError" listener, both with the bare socket; without listeners it drops the
 * CONNECT unanswered and answers the rest with a bodiless 400/408/413/431.
 */
function rawAnswers(methods: string[]) {
  return {
    // This server is no proxy.
    connect: rawProblemAnswer(new MethodNotAllowedError(methods)),
    malformed: rawProblemAnswer(new MalformedRequestError("The request is not valid HTTP/1.1.")),
    headersTooLarge: rawProblemAnswer(
      new HeaderFieldsTooLargeError("The request's header fields are too large."),
    ),
    chunkTooLarge: rawProblemAnswer(
      new PayloadTooLargeError("The request's chunk extensions are too large."),
    ),
    timeout: rawProblemAnswer(
      new RequestTimeoutError(`The request head did not arrive within ${HEADERS_TIMEOUT_MS} ms.`),
    ),
  };
}

/** node's client error codes → the answer (any other: malformed), as node's own handler. */
const CLIENT_ERRORS: Record<string, keyof ReturnType<typeof rawAnswers>> = {
  HPE_HEADER_OVERFLOW: "headersTooLarge",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "chunkTooLarge",
  ERR_HTTP_REQUEST_TIMEOUT: "timeout",
};

/**
 * Writes `answer`, then destroys the socket whatever the client does (resets, half-closes,
 * stops reading): a socket handed over this way has no error handler or timeout of node's.
 */
function answerAndClose(socket: Socket, answer: string): void {
  socket.on("error", () => socket.destroy());
  socket.setTimeout(ANSWER_MS, () => socket.destroy());
  socket.end(answer, () => socket.destroy());
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

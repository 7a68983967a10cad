import type http from "node:http";

// What one TCP connection may hold before it sends a request (ADR 0052). node's defaults let a
// client that never finishes its request head keep its connection for headersTimeout (60 s)
// plus up to one check interval (30 s): ~85 s measured. Nothing capped how many: 10,000 such
// connections, each with a 15 KB head, held 320 MB more RSS (and, past the file-descriptor
// limit, every new client, /healthz included, was refused).

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

export const connectionOptions: http.ServerOptions = {
  keepAliveTimeout: 65_000,
  headersTimeout: HEADERS_TIMEOUT_MS,
  connectionsCheckingInterval: CHECK_INTERVAL_MS,
};

/**
 * The same bounds for a server created elsewhere (the metrics port): settable after creation,
 * except the check interval, which stays node's 30 s there.
 */
export function limitConnections(server: http.Server): void {
  server.maxConnections = MAX_CONNECTIONS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
}

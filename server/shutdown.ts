import type { Server } from "node:http";
import type { Logger } from "winston";
import { lifecycle } from "~/lib/lifecycle.server";

/**
 * Graceful shutdown: readiness turns 503 at once; for `drainMs` the listener keeps accepting
 * (every response says Connection: close) so load balancers that poll readiness can take the
 * process out of rotation; then the listener stops accepting, idle keep-alive sockets close,
 * in-flight requests finish, and the process exits 0. If all that takes longer than the
 * grace period (drain included), exit 1 before the orchestrator's SIGKILL.
 */
export function installShutdown(
  servers: { app: Server; metrics?: Server },
  options: {
    graceMs: number;
    drainMs: number;
    log: Logger;
    /** Runs after the listener closed, before the exit (stop the model and the threads). */
    onClose: () => Promise<void>;
    /** Closes connections still sending a body no authenticated route reads (how many). */
    closeUnreadBodies?: () => number;
  },
) {
  const { graceMs, drainMs, log, onClose, closeUnreadBodies = () => 0 } = options;
  let started = false;
  const shutdown = (signal: string) => {
    if (started) return;
    started = true;
    const t0 = Date.now();
    lifecycle.draining = true;
    log.info("shutdown started", { signal, grace_ms: graceMs, drain_ms: drainMs });

    const timer = setTimeout(() => {
      log.error("shutdown grace period exceeded; forcing exit", { grace_ms: graceMs });
      servers.app.closeAllConnections();
      process.exit(1);
    }, graceMs);
    timer.unref();

    const close = () => {
      // A keep-alive socket whose in-flight response ends during the close only becomes idle
      // then; close idle sockets as they appear, or close() would wait for clients to hang up.
      // A client still sending a body nobody authenticated waits for nothing useful: closing
      // it keeps one slow client from holding the exit for the whole grace period.
      let closedBodies = 0;
      const sweep = setInterval(() => {
        servers.app.closeIdleConnections();
        closedBodies += closeUnreadBodies();
      }, 50);
      sweep.unref();
      servers.app.close(async () => {
        clearInterval(sweep);
        servers.metrics?.close();
        await onClose().catch((error) => log.error("shutdown hook failed", { error }));
        log.info("shutdown complete", {
          duration_ms: Date.now() - t0,
          ...(closedBodies > 0 ? { closed_unread_bodies: closedBodies } : {}),
        });
        process.exit(0);
      });
      servers.app.closeIdleConnections();
      closedBodies += closeUnreadBodies();
    };
    if (drainMs > 0) setTimeout(close, drainMs);
    else close();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

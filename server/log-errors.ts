import type { Logger } from "winston";
import { errorLogLevel } from "~/lib/errors.server";

/**
 * Logs an error that ended a request, through the logger (so redacted), at the level its
 * kind deserves (errorLogLevel): nothing for a client's mistake, debug for a client that
 * went away, warn for load shedding, error with the stack for the server's own failures.
 */
export function logUnhandled(
  log: Logger,
  error: unknown,
  requestId: string,
  clientGone = false,
): void {
  const level = errorLogLevel(error, clientGone);
  if (!level) return;
  if (level === "error") log.error("unhandled server error", { request_id: requestId, error });
  else {
    const message = error instanceof Error ? error.message : String(error);
    log.log(level, level === "debug" ? "client went away" : "request shed", {
      request_id: requestId,
      reason: message,
    });
  }
}

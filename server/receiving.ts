import type { IncomingMessage, Server } from "node:http";
import { authenticatedReads, awaitingContinue } from "~/lib/body.server";

// Requests still sending their body. At SIGTERM the server lets the ones an authenticated
// route is reading finish (they are the in-flight work the grace period is for) and closes
// the others: one slow unauthenticated body used to hold every shutdown for the whole grace
// period and turn its exit code into 1 (ADR 0032).

const receiving = new Set<IncomingMessage>();

export function trackBody(req: IncomingMessage): void {
  if (req.complete) return;
  receiving.add(req);
  const done = () => receiving.delete(req);
  req.once("end", done);
  req.once("close", done);
}

/** Closes the connections still sending a body no authenticated route reads; how many. */
export function closeUnauthenticatedBodies(): number {
  let closed = 0;
  for (const req of receiving) {
    if (req.complete || authenticatedReads.has(req)) continue;
    receiving.delete(req);
    req.socket.destroy();
    closed++;
  }
  return closed;
}

/** `Expect: 100-continue` is answered when the body is read, not on arrival (body.server.ts). */
export function continueWhenRead(server: Server): void {
  server.on("checkContinue", (req: IncomingMessage, res) => {
    awaitingContinue.set(req, res);
    server.emit("request", req, res);
  });
}

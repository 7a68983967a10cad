import { AsyncLocalStorage } from "node:async_hooks";
import { getConfig } from "./config.server";
import { RateLimitError } from "./errors.server";
import { createRateLimiter, type RateLimiter } from "./rate-limit.server";
import { singleton } from "./singleton.server";

// Rate limit of the dashboard's form submissions (estimate, batch upload), per client
// (ADR 0031).
//
// The client is the socket's address, or, behind TRUST_PROXY proxies, the address the
// outermost trusted proxy saw: X-Forwarded-For entries are appended by each proxy, so only
// the last TRUST_PROXY entries were written by ours; anything left of them comes from the
// client and can be forged. This is Express's `trust proxy` with a hop count.
//
// The server counts a dashboard post BEFORE it reads the body (server/app-listener.ts), so a
// flood of junk posts costs neither parsing nor memory; the route's own call then only
// reports the verdict. The verdict travels with the request in an AsyncLocalStorage, because
// the routes get a Request (which Remix copies) and no socket.

/** Form submissions per client per minute: generous for a person, tight for a script. */
export const FORM_SUBMISSIONS_PER_MINUTE = 60;

type Scope = {
  /** The client's address ("ip:…"). */
  client: string;
  /**
   * The server counted this request already: allowed, or the seconds to wait. Plain data:
   * the server's bundle and Remix's each have their own copy of the error classes, and the
   * route checks `instanceof` its own.
   */
  verdict?: { retryAfterSeconds: number | undefined };
};

const scope: AsyncLocalStorage<Scope> = singleton(
  "form-rate-limit-scope",
  () => new AsyncLocalStorage<Scope>(),
);

function limiter(): RateLimiter {
  return singleton("form-rate-limiter", () => {
    // RATE_LIMIT_PER_MINUTE=0 switches every limiter off (load tests, local experiments).
    const off = getConfig().rateLimitPerMinute === 0;
    return createRateLimiter(off ? 0 : FORM_SUBMISSIONS_PER_MINUTE, "form");
  });
}

/**
 * The client's address: the socket's, or with `trustProxy` hops the entry that many places
 * from the right of [...X-Forwarded-For, socket] (the leftmost if the header is shorter).
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustProxy: number,
): string {
  const socket = socketAddress ?? "unknown";
  if (trustProxy === 0) return socket;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? "");
  const chain = [
    ...header
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean),
    socket,
  ];
  return chain[Math.max(0, chain.length - 1 - trustProxy)];
}

const retryAfter = (error: RateLimitError) => Number(error.headers["Retry-After"]);

/** Runs `fn` (the rest of one request) with its client known to limitFormSubmission(). */
export function withClient<T>(client: string, fn: () => T): T {
  return scope.run({ client: `ip:${client}` }, fn);
}

/**
 * The server's count of a dashboard post, before its body is read. Resolves with the 429 to
 * answer (kept for the route to report) or undefined.
 */
export async function countFormSubmission(): Promise<RateLimitError | undefined> {
  const current = scope.getStore();
  if (!current) throw new Error("countFormSubmission() outside withClient()");
  let rejection: RateLimitError | undefined;
  try {
    await limiter()(current.client);
  } catch (error) {
    if (!(error instanceof RateLimitError)) throw error;
    rejection = error;
  }
  current.verdict = { retryAfterSeconds: rejection ? retryAfter(rejection) : undefined };
  return rejection;
}

/** Counts one submission (unless the server did); throws RateLimitError (429) over the limit. */
export async function limitFormSubmission(_request: Request): Promise<void> {
  const current = scope.getStore();
  if (current?.verdict) {
    const { retryAfterSeconds } = current.verdict;
    if (retryAfterSeconds !== undefined) throw new RateLimitError({ retryAfterSeconds });
    return;
  }
  // Outside the server (a route called directly) every caller shares one bucket.
  await limiter()(current?.client ?? "direct");
}

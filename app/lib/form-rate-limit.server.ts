import { getConfig } from "./config.server";
import { createRateLimiter, type RateLimiter } from "./rate-limit.server";
import { singleton } from "./singleton.server";

// Rate limit of the dashboard's form submissions (estimate, batch upload), per client.
//
// The client: node:http sees only the load balancer's address, and the Remix request carries
// no socket address, so the client is the LAST entry of X-Forwarded-For: the one the ALB
// appends itself. Earlier entries come from the client and can be forged to dodge the limit.
// Without the header (local runs, tests) every client shares one bucket — acceptable because
// the limit only exists to stop one client from hogging the single process's CPU.

/** Form submissions per client per minute: generous for a person, tight for a script. */
export const FORM_SUBMISSIONS_PER_MINUTE = 60;

function limiter(): RateLimiter {
  return singleton("form-rate-limiter", () => {
    // RATE_LIMIT_PER_MINUTE=0 switches every limiter off (load tests, local experiments).
    const off = getConfig().rateLimitPerMinute === 0;
    return createRateLimiter(off ? 0 : FORM_SUBMISSIONS_PER_MINUTE, "form");
  });
}

export function clientKey(request: Request): string {
  const forwarded = request.headers.get("x-forwarded-for");
  const last = forwarded?.split(",").at(-1)?.trim();
  return last ? `ip:${last}` : "direct";
}

/** Counts one submission; throws RateLimitError (429, Retry-After) over the limit. */
export async function limitFormSubmission(request: Request): Promise<void> {
  await limiter()(clientKey(request));
}

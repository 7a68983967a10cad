import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { RateLimitError } from "./errors.server";

export type RateLimiter = (bucket: string) => Promise<void>;

/**
 * A fixed-window limiter per bucket (API key id, or client for form posts), in process
 * memory: one container = one process, and the ALB spreads clients across tasks, so the
 * effective limit is per task. 0 disables limiting.
 */
export function createRateLimiter(perMinute: number, name: string): RateLimiter {
  if (perMinute <= 0) return async () => {};
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60, keyPrefix: name });
  return async (bucket) => {
    try {
      await limiter.consume(bucket);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes)
        throw new RateLimitError({ retryAfterSeconds: rejection.msBeforeNext / 1000 });
      throw rejection;
    }
  };
}

import { describe, expect, it } from "vitest";
import { RateLimitError } from "~/lib/errors.server";
import {
  FORM_SUBMISSIONS_PER_MINUTE,
  clientKey,
  limitFormSubmission,
} from "~/lib/form-rate-limit.server";

const request = (xff?: string) =>
  new Request("http://localhost/", { headers: xff ? { "X-Forwarded-For": xff } : {} });

describe("form rate limit", () => {
  it("keys clients by the address the load balancer appended (the last X-Forwarded-For hop)", () => {
    expect(clientKey(request("1.1.1.1, 203.0.113.7"))).toBe("ip:203.0.113.7");
    expect(clientKey(request("203.0.113.8"))).toBe("ip:203.0.113.8");
    expect(clientKey(request())).toBe("direct");
  });

  it("lets a client submit up to the limit, then answers 429 with Retry-After", async () => {
    const client = request("198.51.100.99");
    for (let i = 0; i < FORM_SUBMISSIONS_PER_MINUTE; i++) await limitFormSubmission(client);
    const error = await limitFormSubmission(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(Number((error as RateLimitError).headers["Retry-After"])).toBeGreaterThan(0);
    // Another client is not affected: the forged first hop does not matter, the last one does.
    await expect(
      limitFormSubmission(request("198.51.100.99, 198.51.100.100")),
    ).resolves.toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { RateLimitError } from "~/lib/errors.server";
import {
  FORM_SUBMISSIONS_PER_MINUTE,
  clientAddress,
  countFormSubmission,
  limitFormSubmission,
  withClient,
} from "~/lib/form-rate-limit.server";

const request = new Request("http://localhost/");

describe("client address", () => {
  it("is the socket's address without trusted proxies, whatever X-Forwarded-For says", () => {
    expect(clientAddress("10.0.0.5", "203.0.113.7", 0)).toBe("10.0.0.5");
    expect(clientAddress("10.0.0.5", undefined, 0)).toBe("10.0.0.5");
  });

  it("is the entry TRUST_PROXY hops from the right: forged entries on the left do not count", () => {
    // One ALB: it appended the client's address as the last entry.
    expect(clientAddress("10.0.0.5", "1.1.1.1, 203.0.113.7", 1)).toBe("203.0.113.7");
    // CDN + ALB: the CDN appended the client, the ALB appended the CDN.
    expect(clientAddress("10.0.0.5", "6.6.6.6, 203.0.113.7, 198.51.100.1", 2)).toBe("203.0.113.7");
    // Header lists or several header lines read as one list.
    expect(clientAddress("10.0.0.5", ["9.9.9.9", "203.0.113.8"], 1)).toBe("203.0.113.8");
  });

  it("is the leftmost known address when the header is shorter than the hops", () => {
    expect(clientAddress("10.0.0.5", undefined, 1)).toBe("10.0.0.5");
    expect(clientAddress("10.0.0.5", "203.0.113.9", 3)).toBe("203.0.113.9");
  });
});

describe("form rate limit", () => {
  it("lets a client submit up to the limit, then answers 429 with Retry-After; others go on", async () => {
    await withClient("198.51.100.99", async () => {
      for (let i = 0; i < FORM_SUBMISSIONS_PER_MINUTE; i++) await limitFormSubmission(request);
      const error = await limitFormSubmission(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitError);
      expect(Number((error as RateLimitError).headers["Retry-After"])).toBeGreaterThan(0);
    });
    await withClient("198.51.100.100", () =>
      expect(limitFormSubmission(request)).resolves.toBeUndefined(),
    );
  });

  it("counts once when the server counted before the body: the route reports the verdict", async () => {
    await withClient("198.51.100.101", async () => {
      for (let i = 0; i < FORM_SUBMISSIONS_PER_MINUTE - 1; i++) await limitFormSubmission(request);
      expect(await countFormSubmission()).toBeUndefined(); // the 60th: allowed
      await expect(limitFormSubmission(request)).resolves.toBeUndefined(); // not a 61st
    });
    await withClient("198.51.100.101", async () => {
      const rejection = await countFormSubmission();
      expect(rejection).toBeInstanceOf(RateLimitError);
      // The route gets a 429 of its own (its bundle's class), with the same Retry-After.
      const error = await limitFormSubmission(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).headers).toEqual(rejection?.headers);
    });
  });
});

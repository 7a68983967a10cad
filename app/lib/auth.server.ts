import { timingSafeEqual } from "node:crypto";
import { AuthenticationError } from "./errors.server";
import { sha256 } from "./sha256.server";

export type KeyRing = { digests: Buffer[] };

const digest = sha256;

/** Pre-hashes the configured keys once; comparisons then run on fixed-length digests. */
export function createKeyRing(keys: readonly string[]): KeyRing {
  return { digests: keys.map(digest) };
}

/** Short, non-reversible id of a key for logs and rate-limit buckets (never the key). */
export function keyId(key: string): string {
  return digest(key).toString("hex").slice(0, 10);
}

/** The presented key: `X-API-Key: <key>` or `Authorization: Bearer <key>`. */
function presentedKey(headers: Headers): string | undefined {
  const header = headers.get("x-api-key");
  if (header) return header.trim();
  const auth = headers.get("authorization");
  const match = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return match?.[1];
}

/**
 * Constant-time check against EVERY configured key: both sides are sha256 digests (equal
 * length, so timingSafeEqual applies and the key length leaks nothing), and the loop never
 * exits early, so timing does not reveal which key (or how much of one) matched.
 */
export function matchesAnyKey(ring: KeyRing, candidate: string): boolean {
  return matchesDigest(ring, digest(candidate));
}

function matchesDigest(ring: KeyRing, presented: Buffer): boolean {
  let matched = 0;
  for (const known of ring.digests) matched |= timingSafeEqual(known, presented) ? 1 : 0;
  return matched === 1;
}

/** Returns the caller's key id, or throws AuthenticationError (401). */
export function authenticate(headers: Headers, ring: KeyRing): string {
  const key = presentedKey(headers);
  if (!key)
    throw new AuthenticationError("Missing API key: send X-API-Key or Authorization: Bearer.");
  // One sha256 per request: the comparison digest also yields the key id.
  const presented = digest(key);
  if (!matchesDigest(ring, presented)) throw new AuthenticationError("Invalid API key.");
  return presented.toString("hex").slice(0, 10);
}

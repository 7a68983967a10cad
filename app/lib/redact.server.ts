// Secrets must never reach the logs: values under sensitive keys are masked, and any
// registered secret (the configured API keys) is masked wherever it appears in a string,
// including messages and stack traces.

import { singleton } from "./singleton.server";

const SENSITIVE_KEY =
  /^(authorization|cookie|set-cookie|x-api-key|api[_-]?keys?|admin[_-]?api[_-]?keys?|password|secret|token|access[_-]?key|secret[_-]?access[_-]?key|session[_-]?token)$/i;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
// Header values quoted in free text ("Cookie: a=1; b=2", "x-api-key=…"): mask to end of line.
const HEADER_IN_TEXT = /\b(set-cookie|cookie|x-api-key|api[_-]?key)(\s*[:=]\s*)[^\r\n]+/gi;
export const REDACTED = "[REDACTED]";

// One set per process: the server bundle and the Remix build each include this module.
const secrets = singleton("redacted-secrets", () => new Set<string>());

/** Registers values that must be masked wherever they appear (e.g. every API key). */
export function registerSecrets(values: Iterable<string>) {
  for (const v of values) if (v.length >= 6) secrets.add(v);
}

// A word one of the two patterns above needs (case-insensitive: a superset of both). Most
// strings (every access-log line's) have none, and one test costs far less than two global
// replaces (ADR 0046).
const MAYBE_TOKEN_OR_HEADER = /Bearer|Basic|cookie|api[_-]?key/i;

export function redactString(s: string): string {
  let out = MAYBE_TOKEN_OR_HEADER.test(s)
    ? s.replace(BEARER, `$1 ${REDACTED}`).replace(HEADER_IN_TEXT, `$1$2${REDACTED}`)
    : s;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactString(value);
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (value instanceof Error) {
    return {
      name: value.name,
      message: redactString(value.message),
      stack: value.stack && redactString(value.stack),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SENSITIVE_KEY.test(k) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

import { MalformedRequestError } from "~/lib/errors.server";

/**
 * A 400 for a path whose percent-encoding does not decode (`/%zz`, `/%ff`). Remix's router
 * cannot decode it either: it warns on stderr, outside the logger and its redaction, once per
 * match (four times a request), with the whole path, so `GET /%zz/<an API key>` wrote the key
 * to the log in plain text, and any client could turn one small request into four raw lines.
 */
export function checkPathDecodes(pathname: string): void {
  if (!pathname.includes("%")) return;
  try {
    // What the router decodes: each segment (decodeURIComponent refuses a bad escape, a stray
    // "%" and bytes that are not UTF-8).
    for (const segment of pathname.split("/")) decodeURIComponent(segment);
  } catch {
    throw new MalformedRequestError(
      "The URL path has an invalid percent-encoding (a % not followed by two hex digits, or " +
        "bytes that are not UTF-8).",
    );
  }
}

import { config } from "zod";

/**
 * zod v4 compiles object parsers with `new Function` after probing whether eval is allowed;
 * the page's CSP forbids it, and even the caught probe is reported as a
 * securitypolicyviolation (Lighthouse best practices). In the browser zod runs jitless, so no
 * code is ever evaluated there; the server keeps the compiled fast path (the API parses many
 * records). zod decides per schema when it is built, so this runs before the first schema of
 * any module the browser loads (schema.ts calls it first; app/api/schemas.ts imports that).
 * A call, not a bare import: package.json declares no side effects, so the bundler would drop
 * an import that only configures.
 */
export function jitlessInBrowser(): void {
  if (typeof document !== "undefined") config({ jitless: true });
}

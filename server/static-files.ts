import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import sirv from "sirv";

// Fingerprinted build assets are immutable; other public files get a short cache.
// sirv indexes the folders once at start-up (no per-request filesystem stats). The build
// writes .br and .gz beside each asset (scripts/compress-assets.mjs): sirv sends the one the
// browser accepts, with Content-Encoding and Vary (ADR 0038).
export function createStaticHandler(publicDir: string, dev: boolean) {
  const assets = sirv(path.join(publicDir, "build"), {
    dev,
    immutable: !dev,
    maxAge: 31_536_000,
    brotli: true,
    gzip: true,
    etag: true,
  });
  const publicFiles = sirv(publicDir, { dev, maxAge: 3600, etag: true });
  /** Serves the file and resolves true, or resolves false when no file matches. */
  return (req: IncomingMessage, res: ServerResponse): Promise<boolean> | boolean => {
    const url = req.url ?? "/";
    const handler = url.startsWith("/build/") ? assets : publicFiles;
    if (url.startsWith("/build/")) req.url = url.slice("/build".length);
    return new Promise((resolve) => {
      // sirv pipes a file stream into res with no error listener: a file that vanished or
      // cannot be read (EMFILE, EACCES) would crash the process with an unhandled 'error'.
      res.once("pipe", (source) => source.once("error", () => res.destroy()));
      handler(req, res, () => {
        req.url = url;
        resolve(false);
      });
      res.once("finish", () => resolve(true));
      res.once("close", () => resolve(true));
    });
  };
}

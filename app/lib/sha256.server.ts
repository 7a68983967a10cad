import { createHash } from "node:crypto";

/** The sha256 digest of bytes or UTF-8 text. */
export function sha256(data: Uint8Array | string): Buffer {
  return createHash("sha256").update(data).digest();
}

/** The sha256 digest as lowercase hex: how manifests record their files. */
export function sha256Hex(data: Uint8Array | string): string {
  return sha256(data).toString("hex");
}

import path from "node:path";
import { parseS3Uri } from "~/lib/s3-uri.server";

// Where a batch input or output lives: a local path or one S3 object.
export type Location = { kind: "file"; path: string } | { kind: "s3"; bucket: string; key: string };

export function parseLocation(uri: string): Location {
  if (!uri.startsWith("s3://")) return { kind: "file", path: path.resolve(uri) };
  const { bucket, prefix } = parseS3Uri(uri);
  const key = prefix.replace(/\/$/, "");
  if (!key || uri.endsWith("/")) throw new Error(`"${uri}" names a prefix, not an object`);
  return { kind: "s3", bucket, key };
}

export function describeLocation(loc: Location): string {
  return loc.kind === "file" ? loc.path : `s3://${loc.bucket}/${loc.key}`;
}

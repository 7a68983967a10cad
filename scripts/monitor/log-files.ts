import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { type Readable } from "node:stream";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { isS3Uri, parseS3Uri } from "~/lib/s3-uri.server";

// The prediction log's files (CAPTURE_URI: a folder or s3://bucket/prefix/), listed with their
// sizes (for the progress bar) and opened as byte streams.

export type LogFile = { name: string; bytes: number; open(): Promise<Readable> };

export async function listLogFiles(uri: string, s3: () => S3Client): Promise<LogFile[]> {
  const files: LogFile[] = [];
  if (isS3Uri(uri)) {
    const { bucket, prefix } = parseS3Uri(uri);
    let token: string | undefined;
    do {
      const page = await s3().send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key?.endsWith(".jsonl.gz")) continue;
        const key = o.Key;
        files.push({
          name: `s3://${bucket}/${key}`,
          bytes: o.Size ?? 0,
          open: async () => {
            const out = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
            return out.Body as Readable;
          },
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } else {
    const dir = path.resolve(uri);
    const names = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".jsonl.gz"));
    for (const name of names) {
      const file = path.join(dir, name);
      files.push({
        name: file,
        bytes: (await stat(file)).size,
        open: async () => createReadStream(file),
      });
    }
  }
  // File names start with the date and time they were closed: this is time order.
  return files.sort((a, b) => path.basename(a.name).localeCompare(path.basename(b.name)));
}

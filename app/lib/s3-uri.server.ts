// s3:// URIs, parsed in one place (config's MODEL_URI, model:push, the batch CLI). No AWS SDK
// import here, so the config module stays light.
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

export function isS3Uri(uri: string): boolean {
  return S3_URI.test(uri);
}

/** Splits `s3://bucket/some/prefix` into bucket and a prefix that is "" or ends with "/". */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = S3_URI.exec(uri);
  if (!match) throw new Error(`not an s3://bucket/prefix URI: "${uri}"`);
  const prefix = (match[2] ?? "").split("/").filter(Boolean).join("/");
  return { bucket: match[1], prefix: prefix ? `${prefix}/` : "" };
}

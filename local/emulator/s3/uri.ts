/** S3 locations as SageMaker's APIs name them. */

/** Splits `s3://bucket/key` (or an https S3 URL) into bucket and key. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  let match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (match) return { bucket: match[1] as string, key: match[2] as string };
  match = /^https:\/\/([^/.]+)\.s3[.-][^/]*amazonaws\.com\/(.*)$/.exec(uri);
  if (match) return { bucket: match[1] as string, key: decodeURIComponent(match[2] as string) };
  match = /^https:\/\/s3[.-][^/]*amazonaws\.com\/([^/]+)\/(.*)$/.exec(uri);
  if (match) return { bucket: match[1] as string, key: decodeURIComponent(match[2] as string) };
  return undefined;
}

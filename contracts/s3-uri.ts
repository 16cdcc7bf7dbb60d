/**
 * An `s3://bucket/key` URI split into its parts: the one parser of the project's code (the emulator has its own,
 * local/emulator/s3/uri.ts, since it imports nothing of the project). Free of zod, so that a step's bundle can use it
 * without the contract parts.
 */

/** An `s3://bucket/key` URI's parts. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** Splits `s3://bucket[/key]`, or undefined when `uri` is not one. */
export function parseS3Uri(uri: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]*)(?:\/([\s\S]*))?$/.exec(uri);
  return match ? { bucket: match[1] as string, key: match[2] ?? '' } : undefined;
}

/**
 * S3 URI contract parts: one rule set for every field that takes an `s3://` URI (an object, a key prefix, or a
 * folder), with S3's bucket naming rules, so a bucket that cannot exist is refused by name at the first state
 * rather than as NoSuchBucket minutes later. And the prefix arithmetic the overlap checks use.
 */
import * as z from 'zod/mini';
// English messages: contract-parts configures zod/mini's locale when it loads.
import '../contract-parts.ts';
import { quote } from '../messages.ts';
import { parseS3Uri } from '../s3-uri.ts';

/** Prefixes S3 reserves: no general purpose bucket's name starts with one (S3 UG, bucket naming rules). */
const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
/**
 * Suffixes S3 reserves for names that are not a bucket's and that no `s3://` URI reaches: Multi-Region Access
 * Points (`.mrap`, addressed by ARN) and table buckets (`--table-s3`). Access point aliases (`-s3alias`,
 * `--ol-s3`) and directory buckets (`--x-s3`) are not bucket names either, but S3 takes them in a bucket's place.
 */
const RESERVED_BUCKET_SUFFIXES = ['.mrap', '--table-s3'];

/** Why no S3 bucket can have the name `bucket` (S3 UG, general purpose bucket naming rules), or undefined. */
function bucketNameProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return 'S3 bucket names are 3-63 characters long';
  if (!/^[a-z0-9.-]+$/.test(bucket)) return 'S3 bucket names hold only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9](.*[a-z0-9])?$/.test(bucket)) return 'S3 bucket names start and end with a letter or digit';
  if (bucket.includes('..')) return 'S3 bucket names have no two dots in a row';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return 'S3 bucket names are not IP addresses';
  const prefix = RESERVED_BUCKET_PREFIXES.find((p) => bucket.startsWith(p));
  if (prefix !== undefined) return `S3 reserves the bucket name prefix "${prefix}"`;
  const suffix = RESERVED_BUCKET_SUFFIXES.find((s) => bucket.endsWith(s));
  return suffix === undefined ? undefined : `S3 reserves the bucket name suffix "${suffix}"`;
}

/** What an S3 field holds: one object, any key prefix, or a folder (a prefix written with its final `/`). */
type S3UriKind = 'object' | 'prefix' | 'folder';

/** What a field of each kind expects, as its message says it. */
const EXPECTED: Record<S3UriKind, string> = {
  object: "an object's s3:// URL",
  prefix: 'an S3 prefix',
  folder: 'an S3 prefix ending with /,',
};

/** How a field takes an S3 URI. */
interface S3UriOptions {
  /** What the URI names. */
  readonly kind: S3UriKind;
  /** A URI the message shows as an example. */
  readonly example: string;
  /** SageMaker also takes an `https://` URL here (its Url shape): the URL is checked for its scheme only. */
  readonly https?: boolean;
  /** The object's key ends with this (`.tar.gz`). */
  readonly suffix?: string;
  /** A rule of the field's own on the key (date placeholders, say): why the key breaks it, or undefined. */
  readonly keyProblem?: (key: string) => string | undefined;
}

/** Why `uri` is not what `options` asks for, or undefined when it is. */
function s3UriProblem(uri: string, options: S3UriOptions): string | undefined {
  if (options.https && /^https:\/\/[^/\s]+/.test(uri)) return undefined;
  const location = parseS3Uri(uri);
  if (location === undefined)
    return `expected ${EXPECTED[options.kind]}${options.https ? ' (or an https:// URL)' : ''} such as ${options.example}`;
  const bucketProblem = bucketNameProblem(location.bucket);
  if (bucketProblem !== undefined) return `bucket ${quote(location.bucket)} cannot exist: ${bucketProblem}`;
  const { key } = location;
  if (options.kind === 'folder' && !uri.endsWith('/')) {
    return `expected a prefix ending with / (every object is under it), such as ${options.example}`;
  }
  if (options.kind === 'object' && (key === '' || key.endsWith('/'))) {
    return `expected the URI of an object, not of a prefix, such as ${options.example}`;
  }
  if (options.suffix !== undefined && !key.endsWith(options.suffix)) {
    return `expected the URI of a ${options.suffix} object, such as ${options.example}`;
  }
  return options.keyProblem?.(key);
}

/** A field that takes an S3 URI (at most 1024 characters, SageMaker's S3Uri and Url shapes), as `options` says. */
export function s3Uri(options: S3UriOptions) {
  return z.string().check(
    z.maxLength(1024),
    z.superRefine((uri, ctx) => {
      const problem = s3UriProblem(uri, options);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: uri });
    }),
  );
}

/** The folder an S3 prefix is read as by the packaging steps: `s3://bucket/key/` (a `/` added when missing). */
export function asFolder(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/** A model.tar.gz URL, as CreateModel takes ModelDataUrl (an s3:// object, or an https:// URL). */
export const modelDataUrl = s3Uri({
  kind: 'object',
  https: true,
  example: 's3://my-bucket/churn/model.tar.gz',
});

/** A field that takes an S3 bucket's name, with S3's bucket naming rules. */
export const bucketName = z.string().check(
  z.superRefine((bucket, ctx) => {
    const problem = bucketNameProblem(bucket);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: bucket });
  }),
);

/** A KMS key for S3 objects SageMaker writes: a key ID, alias or ARN (SageMaker's KmsKeyId shape). */
export const kmsKeyId = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(2048),
    z.regex(/^[a-zA-Z0-9:/_-]*$/, 'expected a KMS key ID, alias or ARN (letters, digits and :/_-)'),
  );

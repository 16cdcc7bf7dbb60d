/**
 * Contract pieces the workflows share: SageMaker's name, value and tag rules, the execution facts every state
 * document carries, the first state's payload, and the shapes Catch, the wait loops and the create steps write.
 * Loading this module gives zod/mini its English messages, so every contract imports it.
 */
import * as z from 'zod/mini';
// Only the English locale: `z.locales` would bundle every language.
import en from 'zod/v4/locales/en.js';

z.config(en());

/** SageMaker's name pattern for endpoints, endpoint configs, variants and transform jobs. */
export const SAGEMAKER_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const nameMessage = 'expected 1-63 letters, digits or hyphens, starting and ending with a letter or digit';

/** A SageMaker resource name (1-63 letters, digits or hyphens). */
export const sageMakerName = z
  .string()
  .check(z.maxLength(63, nameMessage), z.regex(SAGEMAKER_NAME_PATTERN, nameMessage));

/** An integer in a documented range. */
export const integer = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));

/** A container environment variable name, as SageMaker accepts it. */
export const environmentKey = z
  .string()
  .check(
    z.maxLength(1024),
    z.regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected an environment variable name ([a-zA-Z_][a-zA-Z0-9_]*)'),
  );

/** A container image URI, as CreateModel accepts it. */
export const imageUri = z
  .string()
  .check(z.minLength(1), z.maxLength(255), z.regex(/^\S+$/, 'expected a container image URI without spaces'));

/** The URL of a model.tar.gz, as CreateModel accepts it. */
export const modelDataUrl = z
  .string()
  .check(
    z.maxLength(1024),
    z.regex(/^(https|s3):\/\/([^/]+)\/?(.*)$/, 'expected an s3:// (or https://) URL of model.tar.gz'),
  );

/** A container's environment: at most 100 variables of at most 1024 characters. */
export const containerEnvironment = z
  .record(environmentKey, z.string().check(z.maxLength(1024)))
  .check(z.refine((env) => Object.keys(env).length <= 100, 'expected at most 100 environment variables'));

const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const tagMessage = 'expected letters, digits, spaces and _.:/=+-@';

/** A resource tag key, as SageMaker accepts it (the `aws:` prefix is AWS's own). */
export const TagKey = z.string().check(
  z.minLength(1),
  z.maxLength(128),
  z.regex(TAG_PATTERN, tagMessage),
  z.refine((key) => !key.toLowerCase().startsWith('aws:'), 'tag keys starting with "aws:" are reserved by AWS'),
);

/** A resource tag value, as SageMaker accepts it. */
export const TagValue = z.string().check(z.maxLength(256), z.regex(TAG_PATTERN, tagMessage));

/** Resource tags by key (SageMaker's own limit on their number is the caller's to apply). */
export const TagMap = z.record(TagKey, TagValue);

/** The execution a state document belongs to, from the Step Functions context object. */
export const ExecutionFacts = z.object({ id: z.string(), name: z.string(), startedAt: z.string() });

/** The payload a workflow's first state receives: the raw execution input plus the execution facts. */
export const FirstStateEvent = z.object({ input: z.unknown(), execution: ExecutionFacts });

/** The Step Functions error object a Catch stores (`Cause` is Lambda's JSON error document). */
export const CaughtError = z.object({ Error: z.string(), Cause: z.optional(z.string()) });

/** Where a wait loop stands: next interval and the deadline (ISO 8601). */
export const WaitProgress = z.object({ attempt: z.int(), seconds: z.int(), deadline: z.string() });

/** A SageMaker resource a step created, or found already created by an earlier run. */
export const CreatedResource = z.object({ name: z.string(), arn: z.string(), created: z.boolean() });

/** The lifecycle event a publishing step put on the bus. */
export const PublishedEvent = z.object({ detailType: z.string(), eventId: z.string() });

export type ExecutionFacts = z.output<typeof ExecutionFacts>;
export type WaitProgress = z.output<typeof WaitProgress>;
export type CreatedResource = z.output<typeof CreatedResource>;
export type CaughtError = z.output<typeof CaughtError>;
export type TagMap = z.output<typeof TagMap>;

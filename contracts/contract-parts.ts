/**
 * Contract pieces the workflows share: SageMaker's name, value and tag rules, the execution facts every state
 * document carries, the first state's payload, and the shapes Catch, the wait loops and the create steps write.
 * Loading this module gives zod/mini its English messages, so every contract imports it.
 */

import * as z from 'zod/mini';
// Only the English locale: `z.locales` would bundle every language.
import en from 'zod/v4/locales/en.js';
import { MODEL_ENVIRONMENT, TRANSFORM_ENVIRONMENT } from './limits.ts';
import { quote } from './messages.ts';
import { PROJECT_TAG_PREFIX } from './resource-tags.ts';

z.config(en());

/** SageMaker's name pattern for endpoints, endpoint configs, variants and transform jobs. */
export const SAGEMAKER_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const nameMessage = 'expected 1-63 letters, digits or hyphens, starting and ending with a letter or digit';

/** A SageMaker resource name (1-63 letters, digits or hyphens). */
export const sageMakerName = z
  .string()
  .check(z.maxLength(63, nameMessage), z.regex(SAGEMAKER_NAME_PATTERN, nameMessage));

/**
 * A request header's value (InvokeEndpoint Content-Type, Accept): at most 1024 ASCII characters (SageMaker Runtime
 * API model: Header), printable, since an HTTP client refuses control characters in a header.
 */
export const headerValue = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(1024),
    z.regex(/^[\t\x20-\x7e]*$/, 'expected printable ASCII characters (it is sent as an HTTP header)'),
  );

/** An integer in a documented range. */
export const integer = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));

const utf8 = new TextEncoder();

/** UTF-8 bytes of `text`: SageMaker counts some limits in bytes. */
export const utf8Bytes = (text: string) => utf8.encode(text).length;

/** An environment variable name, as SageMaker accepts it in a model and in a transform job. */
const environmentName = (maxLength: number) =>
  z
    .string()
    .check(
      z.maxLength(maxLength),
      z.regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected an environment variable name ([a-zA-Z_][a-zA-Z0-9_]*)'),
    );

/** A model container's environment variable name. */
export const environmentKey = environmentName(MODEL_ENVIRONMENT.maxEntryBytes);

/** UTF-8 bytes of an environment's names and values, all together. */
export function environmentBytes(environment: Readonly<Record<string, string>>): number {
  return Object.entries(environment).reduce((sum, [key, value]) => sum + utf8Bytes(key) + utf8Bytes(value), 0);
}

/** The issue of environments that together exceed what one model may hold (MODEL_ENVIRONMENT.maxTotalBytes). */
export function environmentSizeIssue(bytes: number, what: string) {
  return bytes <= MODEL_ENVIRONMENT.maxTotalBytes
    ? undefined
    : {
        code: 'custom' as const,
        message: `expected at most ${MODEL_ENVIRONMENT.maxTotalBytes} bytes of ${what} (SageMaker's limit for a model); these take ${bytes}`,
        input: bytes,
      };
}

/**
 * A model container's environment (ContainerDefinition.Environment): at most 100 variables, each name and value
 * at most 1024 bytes, and all of them at most 32 KiB together (limits.ts, MODEL_ENVIRONMENT).
 */
export const containerEnvironment = z
  .record(
    environmentKey,
    z.string().check(
      z.maxLength(MODEL_ENVIRONMENT.maxEntryBytes),
      z.refine(
        (value) => utf8Bytes(value) <= MODEL_ENVIRONMENT.maxEntryBytes,
        `expected at most ${MODEL_ENVIRONMENT.maxEntryBytes} bytes`,
      ),
    ),
  )
  .check(
    z.refine(
      (env) => Object.keys(env).length <= MODEL_ENVIRONMENT.maxVariables,
      `expected at most ${MODEL_ENVIRONMENT.maxVariables} environment variables`,
    ),
    z.superRefine((env, ctx) => {
      const issue = environmentSizeIssue(environmentBytes(env), 'variable names and values');
      if (issue) ctx.addIssue(issue);
    }),
  );

/** A transform job's environment (CreateTransformJob Environment): limits.ts, TRANSFORM_ENVIRONMENT. */
export const transformEnvironment = z
  .record(
    environmentName(TRANSFORM_ENVIRONMENT.maxKeyLength),
    z.string().check(z.maxLength(TRANSFORM_ENVIRONMENT.maxValueLength)),
  )
  .check(
    z.refine(
      (env) => Object.keys(env).length <= TRANSFORM_ENVIRONMENT.maxVariables,
      `expected at most ${TRANSFORM_ENVIRONMENT.maxVariables} environment variables (SageMaker's limit for a transform job)`,
    ),
  );

/** SageMaker's tag characters (API model: TagKey and TagValue patterns). */
const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const tagMessage = 'expected letters, digits, spaces and _.:/=+-@';
const TAG_VALUE_MAX = 256;

/** A resource tag key, as SageMaker accepts it (the `aws:` prefix is AWS's own, `sagemaker-workflows:` ours). */
export const TagKey = z.string().check(
  z.minLength(1),
  z.maxLength(128),
  z.regex(TAG_PATTERN, tagMessage),
  z.refine((key) => !key.toLowerCase().startsWith('aws:'), 'tag keys starting with "aws:" are reserved by AWS'),
  z.refine(
    (key) => !key.startsWith(PROJECT_TAG_PREFIX),
    `tag keys starting with "${PROJECT_TAG_PREFIX}" are this project's own`,
  ),
);

/** A resource tag value, as SageMaker accepts it. */
export const TagValue = z.string().check(z.maxLength(TAG_VALUE_MAX), z.regex(TAG_PATTERN, tagMessage));

/** An input value written as a tag value (a model version, say): a tag value's rules, said so. */
export const taggedValue = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(TAG_VALUE_MAX, `expected at most ${TAG_VALUE_MAX} characters (it becomes a tag value)`),
    z.regex(TAG_PATTERN, `${tagMessage} (it becomes a tag value)`),
  );

/** Why `value` (a value this project writes as a tag value) cannot be one, or undefined when it can. */
export function tagValueProblem(value: string): string | undefined {
  return z.safeParse(taggedValue, value).error?.issues[0]?.message;
}

/** Resource tags by key (SageMaker's own limit on their number is the caller's to apply). */
export const TagMap = z.record(TagKey, TagValue);

const domainComponent = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/** A registry host: a dotted name or `localhost`, with an optional port (a bare word is a repository). */
const REGISTRY = `(?:${domainComponent}(?:\\.${domainComponent})+|localhost|${domainComponent}(?=:))(?::[0-9]+)?`;
const REGISTRY_HOST = new RegExp(`^${REGISTRY}$`);
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
/** `registry/repository[:tag|@digest]`, as SageMaker takes a container image (API reference, ContainerDefinition.Image). */
const IMAGE_REFERENCE = new RegExp(`^${REGISTRY}/${pathComponent}(?:/${pathComponent})*(?::${TAG}|@${DIGEST})?$`);
const imageMessage = 'expected an image reference registry/repository[:tag|@digest]';

/** Why `image` is not a registry/repository[:tag|@digest] reference, or undefined when it is one. */
function imageUriProblem(image: string): string | undefined {
  if (IMAGE_REFERENCE.test(image)) return undefined;
  const quoted = quote(image);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(image)) return `${imageMessage}; ${quoted} is a URL, not a reference`;
  if (/\s/.test(image)) return `${imageMessage}; ${quoted} holds whitespace`;
  const [registry, ...path] = image.split('/');
  if (path.length === 0 || !REGISTRY_HOST.test(registry ?? '')) {
    return `${imageMessage}; ${quoted} names no registry (such as <account>.dkr.ecr.<region>.amazonaws.com)`;
  }
  if (/[A-Z]/.test(path.join('/').split(/[:@]/)[0] ?? '')) {
    return `${imageMessage}; ${quoted} has upper-case letters in its repository`;
  }
  return `${imageMessage}; ${quoted} is not one`;
}

/** A container image, as CreateModel accepts it: at most 255 characters of registry/repository[:tag|@digest]. */
export const imageUri = z.string().check(
  z.maxLength(255),
  z.superRefine((image, ctx) => {
    const problem = imageUriProblem(image);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: image });
  }),
);

/**
 * An instance type of one SageMaker operation (`what` names it), from that operation's own enum in the API model.
 * A wrong one is refused by name with two examples, never with the whole list; `otherTypes` (another operation's
 * enum) lets the message say when the type exists, but for that other operation only.
 */
export function instanceTypeOf<const Types extends readonly [string, ...string[]]>(
  types: Types,
  what: string,
  other?: { readonly types: readonly string[]; readonly what: string },
) {
  return z.enum(types, {
    error: (issue) => {
      const expected = `expected ${what} instance type (ml.m5.large, ml.c5.xlarge, ...)`;
      if (typeof issue.input !== 'string') return expected;
      if (other?.types.includes(issue.input)) {
        return `${expected}; ${quote(issue.input)} is ${other.what} instance type only`;
      }
      return `${expected}; ${quote(issue.input)} is not one`;
    },
  });
}

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

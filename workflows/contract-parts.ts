/**
 * Contract pieces the workflows share: SageMaker's name and value rules, the execution facts every state
 * document carries, the first state's payload, and the shapes Catch and the wait loops write.
 */
import { z } from 'zod';

/** SageMaker's name pattern for endpoints, endpoint configs, variants and transform jobs. */
export const SAGEMAKER_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const nameMessage = 'expected 1-63 letters, digits or hyphens, starting and ending with a letter or digit';

/** A SageMaker resource name (1-63 letters, digits or hyphens). */
export const sageMakerName = z.string().max(63, nameMessage).regex(SAGEMAKER_NAME_PATTERN, nameMessage);

/** An integer in a documented range. */
export const integer = (min: number, max: number) => z.number().int().min(min).max(max);

/** A container environment variable name, as SageMaker accepts it. */
export const environmentKey = z
  .string()
  .max(1024)
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected an environment variable name ([a-zA-Z_][a-zA-Z0-9_]*)');

/** A container image URI, as CreateModel accepts it. */
export const imageUri = z.string().min(1).max(255).regex(/^\S+$/, 'expected a container image URI without spaces');

/** The URL of a model.tar.gz, as CreateModel accepts it. */
export const modelDataUrl = z
  .string()
  .max(1024)
  .regex(/^(https|s3):\/\/([^/]+)\/?(.*)$/, 'expected an s3:// (or https://) URL of model.tar.gz');

/** A container's environment: at most 100 variables of at most 1024 characters. */
export const containerEnvironment = z
  .record(environmentKey, z.string().max(1024))
  .refine((env) => Object.keys(env).length <= 100, 'expected at most 100 environment variables');

/** The execution a state document belongs to, from the Step Functions context object. */
export const ExecutionFacts = z.object({ id: z.string(), name: z.string(), startedAt: z.string() });

/** The payload a workflow's first state receives: the raw execution input plus the execution facts. */
export const FirstStateEvent = z.object({ input: z.unknown(), execution: ExecutionFacts });

/** The Step Functions error object a Catch stores (`Cause` is Lambda's JSON error document). */
export const CaughtError = z.object({ Error: z.string(), Cause: z.string().optional() });

/** Where a wait loop stands: next interval and the deadline (ISO 8601). */
export const WaitProgress = z.object({ attempt: z.number().int(), seconds: z.number().int(), deadline: z.string() });

export type ExecutionFacts = z.output<typeof ExecutionFacts>;
export type WaitProgress = z.output<typeof WaitProgress>;

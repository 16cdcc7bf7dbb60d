/**
 * AWS SDK v3 clients answered in process: a command sent to a bound client is handed to a handler instead of going
 * over HTTP, and the handler's wire-shaped answer comes back as the SDK's own deserializer would give it: timestamps
 * as Dates, blobs as bytes, `$metadata`, and errors as the service's exception classes with the error code as `name`.
 */
import type { ServiceError } from '../errors.ts';
import type { ApiModel } from '../shapes.ts';

/** An SDK v3 command, as a bound client receives it. */
export interface SdkCommand {
  readonly input: object;
}

/** What a bound client's `send` is answered by: the client it was sent with and the command. */
type CommandHandler = (client: SdkClient, command: SdkCommand) => Promise<unknown>;

/** The part of an SDK v3 client the binding uses. */
export interface SdkClient {
  send(command: SdkCommand): Promise<unknown>;
  readonly config: { region?: unknown };
}

/** An SDK v3 client class. */
export interface SdkClientClass {
  readonly prototype: SdkClient;
}

/** The base exception class of one service's SDK (e.g. SageMakerServiceException). */
export type ServiceExceptionClass = new (options: {
  name: string;
  $fault: 'client' | 'server';
  $metadata: Record<string, unknown>;
  message?: string;
}) => Error;

/** The operation a command calls: `CreateModelCommand` -> `CreateModel`. */
export function operationOf(command: SdkCommand): string {
  return command.constructor.name.replace(/Command$/, '');
}

/** The region a client was configured with (us-east-1 when it has none). */
export async function regionOf(client: SdkClient): Promise<string> {
  const region = client.config.region;
  try {
    const value = typeof region === 'function' ? await (region as () => Promise<unknown>)() : region;
    return typeof value === 'string' && value !== '' ? value : 'us-east-1';
  } catch {
    return 'us-east-1';
  }
}

/** A request's members as the awsJson wire carries them: timestamps as epoch seconds, blobs as base64. */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, member]) => member !== undefined)
        .map(([name, member]) => [name, toWire(member)]),
    );
  }
  return value;
}

/** A wire answer of the model's `shapeName` as the SDK hands it out: timestamps as Dates, blobs as bytes. */
export function fromWire(model: ApiModel, shapeName: string | undefined, value: unknown): unknown {
  const shape = shapeName === undefined ? undefined : model.shapes[shapeName];
  if (shape === undefined || value === undefined || value === null) return value;
  switch (shape.type) {
    case 'timestamp':
      // Whole milliseconds, as the SDK parses epoch seconds: value * 1000 is not always an integer in floating point.
      return typeof value === 'number' ? new Date(Math.round(value * 1000)) : new Date(String(value));
    case 'blob':
      return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : value;
    case 'structure':
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, member]) => [
          name,
          fromWire(model, shape.members?.[name]?.shape, member),
        ]),
      );
    case 'list':
      return (value as unknown[]).map((item) => fromWire(model, shape.member?.shape, item));
    case 'map':
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([key, item]) => [
          key,
          fromWire(model, shape.value?.shape, item),
        ]),
      );
    default:
      return value;
  }
}

/** The `$metadata` of an answer given in process. */
export function metadata(httpStatusCode: number, requestId: string): Record<string, unknown> {
  return { httpStatusCode, requestId, attempts: 1, totalRetryDelay: 0 };
}

/**
 * The exception an SDK client throws for a service's error: the service's modeled class when it has one by that
 * name (with the error's members), else its base exception with the code as `name`.
 */
export function sdkException(
  error: ServiceError,
  sdk: Record<string, unknown>,
  Base: ServiceExceptionClass,
  requestId: string,
): Error {
  const $metadata = metadata(error.status, requestId);
  const Modeled = sdk[error.code];
  if (typeof Modeled === 'function' && Modeled.prototype instanceof Base) {
    const Exception = Modeled as new (options: Record<string, unknown>) => Error;
    return new Exception({ message: error.message, $metadata, ...error.fields });
  }
  return new Base({
    name: error.code,
    $fault: error.status >= 500 ? 'server' : 'client',
    $metadata,
    message: error.message,
  });
}

/** Answers `client`'s commands with `handle` instead of sending them. */
export function bindClient<C extends SdkClient>(client: C, handle: CommandHandler): C {
  client.send = (command: SdkCommand) => handle(client, command);
  return client;
}

/**
 * Answers the commands of every client of `Class` (including those created before, e.g. at a handler's module
 * scope) with `handle`, until the returned function puts the class's own `send` back.
 */
export function bindClientClass(Class: SdkClientClass, handle: CommandHandler): () => void {
  const original = Class.prototype.send;
  Class.prototype.send = function send(this: SdkClient, command: SdkCommand) {
    return handle(this, command);
  };
  return () => {
    Class.prototype.send = original;
  };
}

/**
 * Gives `client` the SDK's own `send` (of the class's base, which bindClientClass leaves alone), so it sends over
 * HTTP while every other client of its class is bound.
 */
export function unboundClient<C extends SdkClient>(Class: SdkClientClass, client: C): C {
  const base = Object.getPrototypeOf(Class.prototype) as SdkClient;
  client.send = base.send.bind(client);
  return client;
}

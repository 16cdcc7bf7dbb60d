/** An error answered to the client in the wire shape of the service that raised it. */
export class ServiceError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra members of the error shape (e.g. S3 `Key`, runtime `OriginalStatusCode`). */
  readonly fields: Record<string, string | number>;
  /** Extra response headers. */
  readonly headers: Record<string, string>;

  constructor(
    code: string,
    message: string,
    status = 400,
    fields: Record<string, string | number> = {},
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ServiceError';
    this.code = code;
    this.status = status;
    this.fields = fields;
    this.headers = headers;
  }
}

/** SageMaker's generic client error, used for most resource-state problems. */
export function validationException(message: string): ServiceError {
  return new ServiceError('ValidationException', message, 400);
}

/**
 * What the emulator does not do, refused as such rather than accepted and ignored: `UnknownOperationException`
 * `<what> not supported by the smwf local emulator yet.` (`what` ends with its verb, e.g. "Tags on X are").
 */
export function notEmulated(what: string): ServiceError {
  return new ServiceError('UnknownOperationException', `${what} not supported by the smwf local emulator yet.`, 400);
}

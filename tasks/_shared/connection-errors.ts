/**
 * The Node.js errors of a request whose connection was reset, refused or timed out before its answer came: what the
 * AWS SDK's own retry strategy counts as transient, and a step that makes its own attempts (one SDK attempt each)
 * retries as transient too. A step sees them by their `code`.
 */
export const CONNECTION_ERROR_CODES = ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'] as const;

/** The code of a connection error (CONNECTION_ERROR_CODES), or undefined for any other error. */
export function connectionErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (CONNECTION_ERROR_CODES as readonly unknown[]).includes(code) ? String(code) : undefined;
}

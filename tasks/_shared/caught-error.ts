/** The name and message of an error a Catch stored, read from Lambda's JSON `Cause` when there is one. */
export function describeCaughtError(caught: { Error: string; Cause?: string | undefined }): {
  name: string;
  message: string;
} {
  if (caught.Cause === undefined) return { name: caught.Error, message: '' };
  try {
    const parsed = JSON.parse(caught.Cause) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') {
      return {
        name: typeof parsed.errorType === 'string' ? parsed.errorType : caught.Error,
        message: parsed.errorMessage,
      };
    }
  } catch {
    // Not JSON: Step Functions' own errors (States.Timeout, ...) carry a plain-text cause.
  }
  return { name: caught.Error, message: caught.Cause };
}

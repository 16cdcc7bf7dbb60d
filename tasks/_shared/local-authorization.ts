/**
 * A step that sends AWS requests without an SDK client (the load generator's signed keep-alive requests) asks here
 * before it sends one, so that locally its calls are checked against its IAM policy as every SDK call is. The local
 * runner registers the check (local/runner/permissions/enforcement.ts) under a global symbol, so that no step imports
 * the runner; on Lambda nothing registers it and asking costs nothing.
 */

/** The global symbol the local runner registers its check under. */
export const LOCAL_AUTHORIZATION_KEY = Symbol.for('sagemaker-workflows.local-authorization');

/**
 * The check: resolves when the calling step may make the call, and rejects with the error the SDK would raise for
 * AWS's refusal (`AccessDeniedException`) when it may not.
 */
export type LocalAuthorization = (client: string, operation: string, input: Record<string, unknown>) => Promise<void>;

/** Resolves when the call may be sent: always on Lambda (IAM decides there); locally, when the step's policy allows it. */
export async function authorizeCall(client: string, operation: string, input: Record<string, unknown>): Promise<void> {
  const check = (globalThis as Record<symbol, LocalAuthorization | undefined>)[LOCAL_AUTHORIZATION_KEY];
  if (check !== undefined) await check(client, operation, input);
}

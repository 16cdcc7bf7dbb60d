import { createHash } from 'node:crypto';
import { canonicalJson } from '../tasks/_shared/names.ts';

const MAX_NAME_LENGTH = 80;

/**
 * A deterministic execution name: the same input gives the same name, so starting it twice is one
 * execution. DeployEndpoint names start with the endpoint; others with the state machine.
 */
export function executionName(workflow: string, input: unknown): string {
  const hash = createHash('sha256').update(canonicalJson(input)).digest('hex').slice(0, 16);
  const endpoint = (input as { endpointName?: unknown } | null)?.endpointName;
  const prefix = (typeof endpoint === 'string' ? endpoint : workflow).replace(/[^A-Za-z0-9_-]/g, '-');
  return `${prefix.slice(0, MAX_NAME_LENGTH - hash.length - 1)}-${hash}`;
}

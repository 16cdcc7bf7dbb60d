import { ResourceConflictError } from '../../contracts/errors.ts';
import { canonicalJson } from './names.ts';

/** How to find, compare and create one named SageMaker resource. */
interface CreateOrReuse<Description> {
  kind: string;
  name: string;
  /** The part of the spec that must match, as the create request states it. */
  wanted: unknown;
  describe(): Promise<Description | undefined>;
  /** The same part, read back from a description. */
  actual(description: Description): unknown;
  arnOf(description: Description): string;
  create(): Promise<string>;
}

/**
 * Creates the resource, or reuses one of the same name and the same spec (a retry, a redrive, a duplicate
 * trigger). A resource of the same name with another spec is never overwritten.
 */
export async function createOrReuse<Description>(
  op: CreateOrReuse<Description>,
): Promise<{ name: string; arn: string; created: boolean }> {
  let existing = await op.describe();
  let created = false;
  if (existing === undefined) {
    try {
      const arn = await op.create();
      return { name: op.name, arn, created: true };
    } catch (error) {
      // The create went through but its answer was lost (a reset connection), and the SDK's retry of it found the
      // resource: this step's own, or a duplicate's that raced it. It is compared as any existing one, and counted as
      // created (a rollback deletes only what nothing serves).
      if (!isAlreadyExisting(error)) throw error;
      existing = await op.describe();
      if (existing === undefined) throw error;
      created = true;
    }
  }
  const actual = canonicalJson(op.actual(existing));
  if (actual !== canonicalJson(op.wanted)) {
    throw new ResourceConflictError(
      `${op.kind} ${op.name} exists with a different specification; expected ${canonicalJson(op.wanted)}, found ${actual}`,
    );
  }
  return { name: op.name, arn: op.arnOf(existing), created };
}

/** SageMaker's refusal of a create whose name is taken ("Cannot create already existing model ..."). */
export function isAlreadyExisting(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('Cannot create already existing');
}

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
  const existing = await op.describe();
  if (existing === undefined) {
    const arn = await op.create();
    return { name: op.name, arn, created: true };
  }
  const actual = canonicalJson(op.actual(existing));
  if (actual !== canonicalJson(op.wanted)) {
    throw new ResourceConflictError(
      `${op.kind} ${op.name} exists with a different specification; expected ${canonicalJson(op.wanted)}, found ${actual}`,
    );
  }
  return { name: op.name, arn: op.arnOf(existing), created: false };
}

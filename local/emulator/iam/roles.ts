/**
 * The IAM roles the emulator knows, with their identity-based policies, so that what SageMaker does with a model's
 * execution role (download the model data, read async inputs, write async outputs and data capture files) is
 * allowed or refused as IAM would. Roles are registered as a whole (`PUT /_smwf/iam/roles`: the local runner
 * registers its stack's roles as a deployment creates them) and kept in the state directory. A role nobody
 * registered is not checked: the emulator has no policy for it (the AWS CLI recipes pass any role ARN); its first
 * use is logged.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ServiceError } from '../errors.ts';
import { type AuthorizationRequest, accessDeniedMessage, evaluate, type PolicyStatement } from './policy.ts';

/**
 * The emulator's own route (no AWS API): `PUT` a JSON `{"roles": [{"arn", "statements"}]}` to register the IAM roles
 * SageMaker acts as, replacing those registered before. S3 cannot answer it: a bucket name never starts with `_`.
 */
export const ROLES_PATH = '/_smwf/iam/roles';

/** A role and the statements of every policy attached to it. */
interface RegisteredRole {
  readonly arn: string;
  readonly statements: readonly PolicyStatement[];
}

/** Where a denial or an unchecked role is reported. */
interface RoleLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** The registered roles, by ARN. */
export class ExecutionRoles {
  private roles = new Map<string, RegisteredRole>();
  private readonly unchecked = new Set<string>();

  /** `file` keeps the registration across restarts (none: in memory). */
  constructor(
    private readonly file?: string,
    private readonly logger?: RoleLogger,
  ) {
    if (file === undefined) return;
    try {
      this.roles = new Map(
        (JSON.parse(readFileSync(file, 'utf8')) as RegisteredRole[]).map((role) => [role.arn, role]),
      );
    } catch {
      // Nothing registered yet.
    }
  }

  /** Replaces every registered role with `roles` (checked: each needs an ARN and a list of statements). */
  async replace(roles: unknown): Promise<number> {
    if (!Array.isArray(roles)) throw new ServiceError('ValidationException', 'roles: expected a list of roles', 400);
    const parsed = roles.map((role, index) => {
      const { arn, statements } = (role ?? {}) as { arn?: unknown; statements?: unknown };
      if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(arn)) {
        throw new ServiceError('ValidationException', `roles[${index}].arn: expected an IAM role ARN`, 400);
      }
      if (!Array.isArray(statements)) {
        throw new ServiceError('ValidationException', `roles[${index}].statements: expected a list of statements`, 400);
      }
      return { arn, statements: statements as PolicyStatement[] };
    });
    this.roles = new Map(parsed.map((role) => [role.arn, role]));
    this.unchecked.clear();
    if (this.file !== undefined) {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(this.file, JSON.stringify(parsed));
    }
    return parsed.length;
  }

  /**
   * Why IAM refuses `request` to the role `roleArn` (as SageMaker's session of it), or undefined when it allows it,
   * no role is named, or the role is not registered (not checked).
   */
  denial(roleArn: string | undefined, request: AuthorizationRequest): string | undefined {
    if (roleArn === undefined || roleArn === '') return undefined;
    const role = this.roles.get(roleArn);
    if (role === undefined) {
      if (!this.unchecked.has(roleArn)) {
        this.unchecked.add(roleArn);
        this.logger?.warn('execution role not registered: what SageMaker does with it is not checked', { roleArn });
      }
      return undefined;
    }
    const decision = evaluate(role.statements, request);
    if (decision === 'allowed') return undefined;
    const [, account = '', name = ''] = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn) ?? [];
    // SageMaker names its session of an execution role "SageMaker".
    const message = accessDeniedMessage(`arn:aws:sts::${account}:assumed-role/${name}/SageMaker`, request, decision, {
      quoteResource: request.action.startsWith('s3:'),
    });
    this.logger?.warn('execution role denied', { roleArn, denial: message });
    return message;
  }
}

/** The ARN of an S3 object, as IAM names it. */
export function s3ObjectArn(bucket: string, key: string): string {
  return `arn:aws:s3:::${bucket}/${key}`;
}

/** The ARN of an S3 bucket, as IAM names it. */
export function s3BucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

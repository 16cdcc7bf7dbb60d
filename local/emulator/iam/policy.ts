/**
 * IAM's evaluation of an identity-based policy for one request: an explicit Deny wins, else an Allow whose Action,
 * Resource and Condition all match allows, else the request is implicitly denied (IAM User Guide, "Policy evaluation
 * logic" and "IAM JSON policy elements"). Only what the project's policies use is evaluated; anything else in a
 * statement (NotAction, NotResource, a condition operator not listed here) is refused loudly, never skipped. The
 * emulator checks the SageMaker execution role's access with it; the local runner checks each step's calls.
 */

/** One statement of an identity-based policy, as IAM's policy grammar writes it. */
export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** What one request asks IAM: an action on a resource ARN (`*` for actions without resource-level permissions). */
export interface AuthorizationRequest {
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request (e.g. iam:PassedToService), by name. */
  readonly context?: Readonly<Record<string, string>>;
}

/** IAM's answer. */
export type Decision = 'allowed' | 'implicit-deny' | 'explicit-deny';

/** A policy the evaluator cannot evaluate faithfully; the run stops rather than guess. */
export class UnsupportedPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedPolicyError';
  }
}

const listOf = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

const globCache = new Map<string, RegExp>();

/** IAM's wildcards: `*` any run of characters, `?` any one character; everything else literal. */
function glob(pattern: string, caseInsensitive: boolean): RegExp {
  const key = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let found = globCache.get(key);
  if (found === undefined) {
    const source = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    found = new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
    globCache.set(key, found);
  }
  return found;
}

/** Action names are case-insensitive ("IAM JSON policy elements: Action"). */
function actionMatches(pattern: string, action: string): boolean {
  return glob(pattern, true).test(action);
}

/**
 * An ARN pattern matches segment by segment (partition, service, region, account, resource); a wildcard in one of
 * the first five segments does not cross a colon, in the resource it matches anything ("IAM JSON policy elements:
 * Resource").
 */
function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  const patternParts = splitArn(pattern);
  const resourceParts = splitArn(resource);
  if (patternParts === undefined || resourceParts === undefined) return glob(pattern, false).test(resource);
  return patternParts.every((part, index) => glob(part, false).test(resourceParts[index] as string));
}

function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return undefined;
  return [...parts.slice(1, 5), parts.slice(5).join(':')];
}

type ConditionTest = (values: readonly string[], actual: string | undefined) => boolean;

/** The condition operators evaluated; a negated operator matches when the key is absent (IAM User Guide). */
const CONDITION_OPERATORS: Readonly<Record<string, ConditionTest>> = {
  StringEquals: (values, actual) => actual !== undefined && values.includes(actual),
  StringNotEquals: (values, actual) => actual === undefined || !values.includes(actual),
  StringLike: (values, actual) => actual !== undefined && values.some((v) => glob(v, false).test(actual)),
  StringNotLike: (values, actual) => actual === undefined || !values.some((v) => glob(v, false).test(actual)),
  ArnEquals: (values, actual) => actual !== undefined && values.includes(actual),
  ArnLike: (values, actual) => actual !== undefined && values.some((v) => resourceMatches(v, actual)),
};

function conditionsMatch(statement: PolicyStatement, context: Readonly<Record<string, string>>): boolean {
  const lowerContext = new Map(Object.entries(context).map(([key, value]) => [key.toLowerCase(), value]));
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    const test = CONDITION_OPERATORS[operator];
    if (test === undefined) throw new UnsupportedPolicyError(`condition operator ${operator} is not evaluated locally`);
    for (const [key, values] of Object.entries(keys)) {
      if (!test(listOf(values), lowerContext.get(key.toLowerCase()))) return false;
    }
  }
  return true;
}

function statementMatches(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
    throw new UnsupportedPolicyError('NotAction and NotResource are not evaluated locally');
  }
  return (
    listOf(statement.Action).some((pattern) => actionMatches(pattern, request.action)) &&
    listOf(statement.Resource).some((pattern) => resourceMatches(pattern, request.resource)) &&
    conditionsMatch(statement, request.context ?? {})
  );
}

/** IAM's decision for `request` under `statements` (one principal's identity-based policies). */
export function evaluate(statements: readonly PolicyStatement[], request: AuthorizationRequest): Decision {
  let allowed = false;
  for (const statement of statements) {
    if (!statementMatches(statement, request)) continue;
    if (statement.Effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allowed' : 'implicit-deny';
}

/** Whether an action pattern of a policy covers `action`. */
export function actionPatternCovers(pattern: string, action: string): boolean {
  return actionMatches(pattern, action);
}

/**
 * The message AWS gives a denied request (IAM User Guide, "Troubleshoot access denied error messages"): the
 * principal, the action, the resource when the action has resource-level permissions, and why. S3 quotes the
 * resource (S3 User Guide, "Troubleshoot access denied (403 Forbidden) errors": access denied message examples).
 */
export function accessDeniedMessage(
  principal: string,
  request: AuthorizationRequest,
  decision: Decision,
  options: { readonly quoteResource?: boolean } = {},
): string {
  const resource = options.quoteResource ? `"${request.resource}"` : request.resource;
  const onResource = request.resource === '*' ? '' : ` on resource: ${resource}`;
  const why =
    decision === 'explicit-deny'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${request.action} action`;
  return `User: ${principal} is not authorized to perform: ${request.action}${onResource} ${why}`;
}

/**
 * The PackageModel state machine: validate the input, then build `model.tar.gz` (streamed) or copy the files
 * uncompressed, each step checking the framework layout first and reusing a package an earlier run built.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { PackageModelRequest } from '../../contracts/parts/packaging.ts';
import { failWithCaught, invoke, type TaskRefs, validateInput } from '../fragments.ts';
import { sourceChangedRetry } from '../retry-policies.ts';
import { at, requestPaths } from '../state-paths.ts';
import type { WorkflowTasks } from '../workflow.ts';

const request = requestPaths<PackageModelRequest>();

/** Every state of PackageModel, by name; tests and the runner use these. */
export const PackageModelStates = {
  ValidateInput: 'ValidateInput',
  InputRejected: 'InputRejected',
  ChooseFormat: 'ChooseFormat',
  BuildArchive: 'BuildArchive',
  CopyUncompressedModel: 'CopyUncompressedModel',
  PackageReady: 'PackageReady',
  PackagingFailed: 'PackagingFailed',
} as const;

const S = PackageModelStates;

/** State names of the packaging steps, so DeployEndpoint can embed them under its own names. */
interface PackagingStepNames {
  readonly choose: string;
  readonly build: string;
  readonly copy: string;
}

/** Where the packaging steps find their input and put their result. */
interface PackagingStepOptions {
  /** JSONPath of the request's `format`. */
  readonly formatPath: string;
  /** @default - the whole state document (a PackagingState) */
  readonly payload?: sfn.TaskInput;
  /** @default - the task's PackagingState replaces the state document */
  readonly resultPath?: string;
  readonly resultSelector?: Record<string, unknown>;
  /** Where any error of the steps goes, stored at `errorPath`. */
  readonly onError: sfn.IChainable;
  readonly errorPath: string;
}

/**
 * A Choice on the format: BuildArchive (tar.gz) or CopyUncompressedModel, both continuing with `next`.
 * Each task checks the layout before it writes, and reuses a finished package with the same sources.
 */
export function packagingSteps(
  scope: Construct,
  names: PackagingStepNames,
  fns: Pick<TaskRefs, 'PackageModel' | 'CopyUncompressedModel'>,
  options: PackagingStepOptions,
  next: sfn.IChainable,
): sfn.Choice {
  const taskOptions = {
    extraRetries: [sourceChangedRetry],
    ...(options.payload ? { payload: options.payload } : {}),
    ...(options.resultPath !== undefined ? { resultPath: options.resultPath } : {}),
    ...(options.resultSelector ? { resultSelector: options.resultSelector } : {}),
  };
  const catchAll = { errors: [sfn.Errors.ALL], resultPath: options.errorPath };
  const build = invoke(scope, names.build, fns.PackageModel, taskOptions).addCatch(options.onError, catchAll);
  const copy = invoke(scope, names.copy, fns.CopyUncompressedModel, taskOptions).addCatch(options.onError, catchAll);
  return new sfn.Choice(scope, names.choose)
    .when(sfn.Condition.stringEquals(options.formatPath, 'uncompressed'), copy.next(next))
    .otherwise(build.next(next));
}

/** Builds the PackageModel definition from the task functions. */
export function packageModelDefinition(scope: Construct, fns: WorkflowTasks): sfn.IChainable {
  const packagingFailed = failWithCaught(scope, S.PackagingFailed, at('error'));
  // The execution's output is the package: where it is, its sha256, size and file count.
  const ready = new sfn.Succeed(scope, S.PackageReady, { outputPath: at('packaged') });

  const validate = validateInput(scope, { validate: S.ValidateInput, rejected: S.InputRejected }, fns.ValidateInput);

  return validate.next(
    packagingSteps(
      scope,
      { choose: S.ChooseFormat, build: S.BuildArchive, copy: S.CopyUncompressedModel },
      fns,
      { formatPath: request('format'), onError: packagingFailed, errorPath: at('error') },
      ready,
    ),
  );
}

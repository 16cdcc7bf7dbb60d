/**
 * The model steps every workflow that creates a model from a request's `model` shares: package the model first
 * when the request asks for it (`model.package`, the PackageModel steps), then CreateModel, which reads the
 * packaging result at `$.packaging.packaged` or the request's own model data.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { PackageModelRequest } from '../contracts/parts/packaging.ts';
import { invoke, type TaskRefs } from './fragments.ts';
import { packagingSteps } from './package-model/definition.ts';
import { at, requestPaths, resultField } from './state-paths.ts';

/** What a request says of its model's packaging (`model.package`: a PackageModel request). */
const request = requestPaths<{ readonly model?: { readonly package?: PackageModelRequest } }>();

/** The states of the model steps, by name; a workflow's state map includes them. */
export const ModelStepsStates = {
  IsPackagingRequested: 'IsPackagingRequested',
  ChoosePackageFormat: 'ChoosePackageFormat',
  PackageModel: 'PackageModel',
  CopyUncompressedModel: 'CopyUncompressedModel',
  CreateModel: 'CreateModel',
} as const;

const S = ModelStepsStates;

/** Options of the model steps. */
interface ModelStepsOptions {
  /**
   * States run after packaging and before CreateModel, given CreateModel to end in (DeployEndpoint takes the
   * endpoint's lease there). @default - none
   */
  readonly beforeCreateModel?: (createModel: sfn.TaskStateBase) => sfn.IChainable;
}

/** The model steps: `start` is where they begin, `createModel` the last of them (chain what follows to it). */
export function modelSteps(
  scope: Construct,
  tasks: Pick<TaskRefs, 'CreateModel' | 'PackageModel' | 'CopyUncompressedModel'>,
  onError: { next: sfn.IChainable; resultPath: string },
  options: ModelStepsOptions = {},
): { start: sfn.Choice; createModel: sfn.TaskStateBase } {
  const createModel = invoke(scope, S.CreateModel, tasks.CreateModel).addCatch(onError.next, {
    errors: [sfn.Errors.ALL],
    resultPath: onError.resultPath,
  });
  const model = options.beforeCreateModel ? options.beforeCreateModel(createModel) : createModel;
  const packaging = packagingSteps(
    scope,
    { choose: S.ChoosePackageFormat, build: S.PackageModel, copy: S.CopyUncompressedModel },
    tasks,
    {
      formatPath: request('model.package.format'),
      payload: sfn.TaskInput.fromObject({
        request: sfn.JsonPath.objectAt(request('model.package')),
        execution: sfn.JsonPath.objectAt(at('execution')),
      }),
      resultPath: at('packaging'),
      resultSelector: { 'packaged.$': resultField('PackageModel', 'packaged') },
      onError: onError.next,
      errorPath: onError.resultPath,
    },
    model,
  );
  const start = new sfn.Choice(scope, S.IsPackagingRequested)
    .when(sfn.Condition.isPresent(request('model.package')), packaging)
    .otherwise(model);
  return { start, createModel };
}

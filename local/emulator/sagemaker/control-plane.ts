import type { AsyncInference } from '../async/async-inference.ts';
import type { EndpointScalingGuard } from '../autoscaling/api.ts';
import { transformJobOperations } from '../batch/api.ts';
import type { TransformJobs } from '../batch/transform-jobs.ts';
import { ServiceError } from '../errors.ts';
import type { Operations } from '../operations.ts';
import { type ApiModel, loadModel, project, ShapeValidator } from '../shapes.ts';
import type { SageMakerStore } from '../store/store.ts';
import type { ComponentHosting } from './component-hosting.ts';
import { endpointConfigOperations } from './endpoint-configs.ts';
import { endpointOperations, type SageMakerLimits } from './endpoints.ts';
import { inferenceComponentOperations } from './inference-components.ts';
import type { EndpointLifecycle, HostedFleet } from './lifecycle.ts';
import type { ModelRegistry } from './model-registry.ts';
import { modelOperations } from './models.ts';
import { tagOperations } from './tags.ts';

export type { SageMakerLimits } from './endpoints.ts';

type Input = Record<string, unknown>;

/** Why an operation a workflow may call is not emulated, where a user needs more than its name. */
const NOT_EMULATED_BECAUSE: Readonly<Record<string, string>> = {
  CreateInferenceRecommendationsJob:
    "Inference Recommender benchmarks on SageMaker's own fleet and reports what it measured there, which no local process can stand in for; RightSizeEndpoint's engine load-test measures the candidates locally",
};

/**
 * The SageMaker control plane (awsJson1.1): validates each request against the API model, runs the operation of
 * its resource (models.ts, endpoint-configs.ts, endpoints.ts, tags.ts, the Model Registry, batch/api.ts) and
 * projects the answer onto the operation's output shape.
 */
export class SageMakerControlPlane {
  readonly model: ApiModel = loadModel('sagemaker.json');
  private readonly validator = new ShapeValidator(this.model, 'ValidationException');
  private readonly handlers: Operations;

  constructor(
    store: SageMakerStore,
    lifecycle: EndpointLifecycle<HostedFleet>,
    registry: ModelRegistry,
    limits: SageMakerLimits = {},
    transforms?: TransformJobs,
    /** Application Auto Scaling's registrations, which UpdateEndpoint and DeleteEndpoint respect. */
    autoScaling?: EndpointScalingGuard,
    asyncInference?: AsyncInference,
    /** Inference components and their copies; without it, the component operations are not answered. */
    components?: { hosting: ComponentHosting; defaultStartupTimeoutSeconds: number },
  ) {
    this.handlers = {
      ...modelOperations(store, registry),
      ...endpointConfigOperations(store),
      ...endpointOperations({ store, lifecycle, limits, autoScaling, asyncInference, components: components?.hosting }),
      ...(components ? inferenceComponentOperations({ store, ...components, autoScaling }) : {}),
      ...tagOperations(store, registry),
      ...transformJobOperations(store, transforms),
      ...registry.handlers(),
    };
  }

  /** True for operations of the SageMaker API model (implemented or not) and those refused with a reason. */
  knows(operation: string): boolean {
    return operation in this.model.operations || operation in NOT_EMULATED_BECAUSE;
  }

  /** Validates the input against the model, runs the operation and projects the result onto the output shape. */
  async call(operation: string, region: string, input: Input): Promise<unknown> {
    const handler = this.handlers[operation];
    if (!handler) {
      const why = NOT_EMULATED_BECAUSE[operation];
      throw new ServiceError(
        'UnknownOperationException',
        `The operation ${operation} is not supported by the smwf local emulator${why !== undefined ? `: ${why}` : ''}.`,
        400,
      );
    }
    this.validator.validate(operation, input);
    const result = await handler(region, input);
    const outputShape = this.model.operations[operation]?.output?.shape;
    return outputShape ? (project(this.model, outputShape, result) ?? {}) : {};
  }
}

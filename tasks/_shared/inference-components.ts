/**
 * Inference components as the steps see them: the request's component as SageMaker's Specification, a described
 * component read back into the same form (so an update can be undone with what Describe answered), and the calls,
 * each through callSageMaker (throttling becomes SageMakerThrottledError).
 */
import {
  CreateInferenceComponentCommand,
  DeleteInferenceComponentCommand,
  DescribeInferenceComponentCommand,
  type DescribeInferenceComponentCommandOutput,
  type InferenceComponentDeploymentConfig,
  type InferenceComponentSpecification,
  ListInferenceComponentsCommand,
  type SageMakerClient,
  UpdateInferenceComponentCommand,
} from '@aws-sdk/client-sagemaker';
import type { ComponentRollingUpdate, ComponentSpec } from '../../contracts/parts/inference-component.ts';
import { canonicalJson } from './names.ts';
import { callSageMaker, definedOnly, isNotFound, type Tags } from './sagemaker.ts';

/** Statuses in which a component is still changing. */
export const COMPONENT_TRANSITIONAL_STATUSES: ReadonlySet<string> = new Set(['Creating', 'Updating', 'Deleting']);

/** The status reported for a component that no longer exists. */
export const COMPONENT_DELETED_STATUS = 'Deleted';

/** A component's specification as CreateInferenceComponent and UpdateInferenceComponent take it (JSON-safe). */
interface ComponentSpecification {
  ModelName?: string;
  Container?: { Image: string; ArtifactUrl?: string; Environment?: Record<string, string> };
  ComputeResourceRequirements: {
    NumberOfCpuCoresRequired?: number;
    NumberOfAcceleratorDevicesRequired?: number;
    MinMemoryRequiredInMb: number;
    MaxMemoryRequiredInMb?: number;
  };
  StartupParameters?: {
    ContainerStartupHealthCheckTimeoutInSeconds?: number;
    ModelDataDownloadTimeoutInSeconds?: number;
  };
}

/**
 * What this run did to the component: `created` it, `updated` it (from `previous`, which a rollback restores),
 * or `reused` it (it already ran this specification and copy count).
 */
export type ComponentChange =
  | { action: 'created' | 'reused' }
  | { action: 'updated'; previous: { specification: ComponentSpecification; copyCount: number } };

/** What the steps read of DescribeInferenceComponent. */
interface ComponentDescription {
  name: string;
  arn: string;
  endpointName: string;
  status: string;
  failureReason?: string;
  /** The specification it runs, in the form an update takes. */
  specification: ComponentSpecification;
  desiredCopyCount: number;
  currentCopyCount: number;
  createdAt?: Date;
}

/** The request's component as SageMaker's Specification. */
export function specificationOf(component: ComponentSpec): ComponentSpecification {
  const r = component.computeResourceRequirements;
  const startup = definedOnly({
    ContainerStartupHealthCheckTimeoutInSeconds: component.startupHealthCheckTimeoutSeconds,
    ModelDataDownloadTimeoutInSeconds: component.modelDataDownloadTimeoutSeconds,
  });
  return definedOnly({
    ModelName: component.modelName,
    Container:
      component.container === undefined
        ? undefined
        : definedOnly({
            Image: component.container.image,
            ArtifactUrl: component.container.artifact,
            Environment:
              Object.keys(component.container.environment).length > 0 ? component.container.environment : undefined,
          }),
    ComputeResourceRequirements: definedOnly({
      NumberOfCpuCoresRequired: r.cpus,
      NumberOfAcceleratorDevicesRequired: r.accelerators,
      MinMemoryRequiredInMb: r.minMemoryMb,
      MaxMemoryRequiredInMb: r.maxMemoryMb,
    }),
    StartupParameters: Object.keys(startup).length > 0 ? startup : undefined,
  });
}

/** True when two specifications are the same (key order and absent members aside). */
export function sameSpecification(a: ComponentSpecification, b: ComponentSpecification): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The rolling update as UpdateInferenceComponent's DeploymentConfig. */
export function deploymentConfigOf(update: ComponentRollingUpdate): InferenceComponentDeploymentConfig {
  const size = (s: ComponentRollingUpdate['maximumBatchSize']) => ({ Type: s.type, Value: s.value });
  return {
    RollingUpdatePolicy: definedOnly({
      MaximumBatchSize: size(update.maximumBatchSize),
      WaitIntervalInSeconds: update.waitIntervalSeconds,
      MaximumExecutionTimeoutInSeconds: update.maximumExecutionTimeoutSeconds,
      RollbackMaximumBatchSize:
        update.rollbackMaximumBatchSize === undefined ? undefined : size(update.rollbackMaximumBatchSize),
    }),
    ...(update.alarms !== undefined && update.alarms.length > 0
      ? { AutoRollbackConfiguration: { Alarms: update.alarms.map((AlarmName) => ({ AlarmName })) } }
      : {}),
  };
}

/** A described Specification read back as the specification an update takes (the image as it was specified). */
function specificationFromDescription(
  described: DescribeInferenceComponentCommandOutput['Specification'],
): ComponentSpecification {
  const container = described?.Container;
  const r = described?.ComputeResourceRequirements;
  const startup = described?.StartupParameters;
  return definedOnly({
    ModelName: described?.ModelName,
    Container:
      container === undefined
        ? undefined
        : definedOnly({
            Image: container.DeployedImage?.SpecifiedImage ?? '',
            ArtifactUrl: container.ArtifactUrl,
            Environment:
              container.Environment && Object.keys(container.Environment).length > 0
                ? container.Environment
                : undefined,
          }),
    ComputeResourceRequirements: definedOnly({
      NumberOfCpuCoresRequired: r?.NumberOfCpuCoresRequired,
      NumberOfAcceleratorDevicesRequired: r?.NumberOfAcceleratorDevicesRequired,
      MinMemoryRequiredInMb: r?.MinMemoryRequiredInMb ?? 0,
      MaxMemoryRequiredInMb: r?.MaxMemoryRequiredInMb,
    }),
    StartupParameters:
      startup === undefined
        ? undefined
        : definedOnly({
            ContainerStartupHealthCheckTimeoutInSeconds: startup.ContainerStartupHealthCheckTimeoutInSeconds,
            ModelDataDownloadTimeoutInSeconds: startup.ModelDataDownloadTimeoutInSeconds,
          }),
  });
}

/** The inference component calls the steps make. */
export interface InferenceComponentGateway {
  describeComponent(name: string): Promise<ComponentDescription | undefined>;
  createComponent(
    name: string,
    endpointName: string,
    specification: ComponentSpecification,
    copyCount: number,
    tags: Tags,
  ): Promise<string>;
  /** A specification of `undefined` changes the copy count only (no rollout of new copies). */
  updateComponent(
    name: string,
    specification: ComponentSpecification | undefined,
    copyCount: number,
    deploymentConfig: InferenceComponentDeploymentConfig | undefined,
  ): Promise<void>;
  /** False when the component did not exist. */
  deleteComponent(name: string): Promise<boolean>;
  /** The names of the components an endpoint hosts. */
  listComponents(endpointName: string): Promise<string[]>;
}

/** The gateway backed by the AWS SDK client. */
export function inferenceComponentGateway(client: SageMakerClient): InferenceComponentGateway {
  return {
    async describeComponent(name) {
      try {
        const out = await callSageMaker('DescribeInferenceComponent', () =>
          client.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name })),
        );
        return definedOnly({
          name: out.InferenceComponentName ?? name,
          arn: out.InferenceComponentArn ?? '',
          endpointName: out.EndpointName ?? '',
          status: out.InferenceComponentStatus ?? 'Unknown',
          failureReason: out.FailureReason,
          specification: specificationFromDescription(out.Specification),
          desiredCopyCount: out.RuntimeConfig?.DesiredCopyCount ?? 0,
          currentCopyCount: out.RuntimeConfig?.CurrentCopyCount ?? 0,
          createdAt: out.CreationTime,
        });
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async createComponent(name, endpointName, specification, copyCount, tags) {
      const out = await callSageMaker('CreateInferenceComponent', () =>
        client.send(
          new CreateInferenceComponentCommand({
            InferenceComponentName: name,
            EndpointName: endpointName,
            VariantName: 'AllTraffic',
            Specification: specification as InferenceComponentSpecification,
            RuntimeConfig: { CopyCount: copyCount },
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      );
      return out.InferenceComponentArn ?? '';
    },
    async updateComponent(name, specification, copyCount, deploymentConfig) {
      await callSageMaker('UpdateInferenceComponent', () =>
        client.send(
          new UpdateInferenceComponentCommand({
            InferenceComponentName: name,
            ...(specification ? { Specification: specification as InferenceComponentSpecification } : {}),
            RuntimeConfig: { CopyCount: copyCount },
            ...(deploymentConfig ? { DeploymentConfig: deploymentConfig } : {}),
          }),
        ),
      );
    },
    async deleteComponent(name) {
      try {
        await callSageMaker('DeleteInferenceComponent', () =>
          client.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name })),
        );
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
    async listComponents(endpointName) {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const out = await callSageMaker('ListInferenceComponents', () =>
          client.send(
            new ListInferenceComponentsCommand({
              EndpointNameEquals: endpointName,
              MaxResults: 100,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        );
        for (const c of out.InferenceComponents ?? [])
          if (c.InferenceComponentName) names.push(c.InferenceComponentName);
        token = out.NextToken;
      } while (token);
      return names;
    },
  };
}

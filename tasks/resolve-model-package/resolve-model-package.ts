import type { ModelPackageDeployment } from '../../contracts/parts/model-package-deployment.ts';
import { modelPackageOf } from '../../contracts/parts/model-package-events.ts';
import type { ModelPackageDescription, ModelRegistryGateway } from '../_shared/model-registry.ts';
import type { ModelDescription, SageMakerGateway } from '../_shared/sagemaker.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/**
 * What an approval event leads to. `deploy` and `redeploy-latest-approved` deploy a package; the others end the
 * execution without touching the endpoint.
 */
const ModelPackageOutcomes = {
  /** Approved, and not older than what the endpoint serves: deploy it. */
  deploy: 'deploy',
  /** The served package was rejected: deploy the group's latest Approved package instead. */
  redeployLatestApproved: 'redeploy-latest-approved',
  /** Approved, but the endpoint already serves a newer version of the group: no downgrade. */
  olderThanServed: 'older-than-served',
  /** The event said Approved, but the package is not Approved now (a later decision overtook the event). */
  noLongerApproved: 'no-longer-approved',
  /** Rejected, and the endpoint does not serve it (or the package is Approved again): nothing to change. */
  rejectedNotServed: 'rejected-not-served',
  /** The served package was rejected and the group has no Approved package left: the endpoint keeps serving. */
  noApprovedPackage: 'no-approved-package',
} as const;
type ModelPackageOutcome = (typeof ModelPackageOutcomes)[keyof typeof ModelPackageOutcomes];

/** The slice of the state document ResolveModelPackage reads: the event's package and the group's settings. */
export interface ResolveModelPackageState {
  request: {
    event: {
      detail: {
        ModelPackageGroupName: string;
        ModelPackageVersion: number;
        ModelPackageArn: string;
        ModelApprovalStatus: string;
      };
    };
    deployment: ModelPackageDeployment;
  };
}
export const ResolveModelPackageState = stateSlice<ResolveModelPackageState>({
  request: {
    event: {
      detail: {
        ModelPackageGroupName: 'string',
        ModelPackageVersion: 'number',
        ModelPackageArn: 'string',
        ModelApprovalStatus: 'string',
      },
    },
    deployment: 'object',
  },
});

/** The DeployEndpoint-shaped request of a package deployment: the group's settings, the package as the model. */
type PackageDeploymentRequest = ModelPackageDeployment & {
  model: { modelPackageArn: string };
  modelVersion: string;
};

/** What ResolveModelPackage decided, and (to deploy) the request the deployment steps read. */
interface ModelPackageResolution {
  outcome: ModelPackageOutcome;
  /** The package of the event. */
  packageArn: string;
  approvalStatus: string;
  /** The package the endpoint serves now, when it serves one. */
  servedPackageArn?: string;
  /** The package to deploy (deploy and redeploy-latest-approved only). */
  deployPackageArn?: string;
  /** The deployment's request (deploy and redeploy-latest-approved only). */
  request?: PackageDeploymentRequest;
}

/** What ResolveModelPackage needs from the outside. */
export interface ResolveModelPackageDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint' | 'describeEndpointConfig' | 'describeModel'>;
  registry: ModelRegistryGateway;
}

/** The model package a model was created from (`Containers: [{ModelPackageName}]` or a primary container). */
function packageOfModel(model: ModelDescription | undefined): string | undefined {
  return model?.PrimaryContainer?.ModelPackageName ?? model?.Containers?.[0]?.ModelPackageName;
}

/**
 * The model package the endpoint serves: the package its current config's model was created from. The endpoint's
 * own resources are the record, so a deployment made by hand (DeployEndpoint with `modelPackageArn`) counts too.
 */
export async function servedModelPackage(
  endpointName: string,
  sagemaker: ResolveModelPackageDeps['sagemaker'],
): Promise<string | undefined> {
  const endpoint = await sagemaker.describeEndpoint(endpointName);
  if (endpoint?.configName === undefined) return undefined;
  const config = await sagemaker.describeEndpointConfig(endpoint.configName);
  const modelName = config?.ProductionVariants[0]?.ModelName;
  return modelName === undefined ? undefined : packageOfModel(await sagemaker.describeModel(modelName));
}

/** Whether `served` is a newer version of `pkg`'s group than `pkg` itself. */
function servesNewerVersion(served: string | undefined, pkg: ModelPackageDescription): boolean {
  const named = served === undefined ? undefined : modelPackageOf(served);
  return named !== undefined && named.group === pkg.group.toLowerCase() && named.version > pkg.version;
}

/** The deployment request that deploys `packageArn` with the group's settings, labelled with the package's ARN. */
function packageDeploymentRequest(deployment: ModelPackageDeployment, packageArn: string): PackageDeploymentRequest {
  return { ...deployment, model: { modelPackageArn: packageArn }, modelVersion: packageArn };
}

/**
 * Decides what an approval decision does to the group's endpoint, from the registry's current state (the event
 * may be late, repeated or overtaken) and what the endpoint serves:
 * - Approved: deploy the package, unless it is no longer Approved, or the endpoint serves a newer version of the
 *   group (an approval delivered after a newer one was deployed never downgrades).
 * - Rejected: when the endpoint serves that package, redeploy the group's latest Approved package; when none is
 *   left, keep serving (the workflow announces it). Otherwise nothing changes.
 */
export async function resolveModelPackage<S extends ResolveModelPackageState>(
  state: S,
  deps: ResolveModelPackageDeps,
): Promise<S & { resolution: ModelPackageResolution }> {
  const { detail } = state.request.event;
  const { deployment } = state.request;
  const described = await deps.registry.describeModelPackage(detail.ModelPackageArn);
  const pkg: ModelPackageDescription = described ?? {
    arn: detail.ModelPackageArn,
    group: detail.ModelPackageGroupName,
    version: detail.ModelPackageVersion,
    approvalStatus: 'Deleted',
  };
  const served = await servedModelPackage(deployment.endpointName, deps.sagemaker);
  const base = {
    packageArn: pkg.arn,
    approvalStatus: pkg.approvalStatus,
    ...(served !== undefined ? { servedPackageArn: served } : {}),
  };
  const deploy = (outcome: ModelPackageOutcome, arn: string): ModelPackageResolution => ({
    ...base,
    outcome,
    deployPackageArn: arn,
    request: packageDeploymentRequest(deployment, arn),
  });
  const end = (outcome: ModelPackageOutcome): ModelPackageResolution => ({ ...base, outcome });

  let resolution: ModelPackageResolution;
  if (detail.ModelApprovalStatus === 'Approved') {
    if (pkg.approvalStatus !== 'Approved') resolution = end(ModelPackageOutcomes.noLongerApproved);
    else if (servesNewerVersion(served, pkg)) resolution = end(ModelPackageOutcomes.olderThanServed);
    else resolution = deploy(ModelPackageOutcomes.deploy, pkg.arn);
  } else if (served !== pkg.arn || pkg.approvalStatus === 'Approved') {
    resolution = end(ModelPackageOutcomes.rejectedNotServed);
  } else {
    const latest = await deps.registry.latestApprovedModelPackage(pkg.group);
    resolution =
      latest === undefined
        ? end(ModelPackageOutcomes.noApprovedPackage)
        : deploy(ModelPackageOutcomes.redeployLatestApproved, latest);
  }
  return { ...state, resolution };
}

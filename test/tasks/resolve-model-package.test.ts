/**
 * ResolveModelPackage's decision, from the registry's current state and what the endpoint serves, with small
 * fakes of both: deploy, redeploy the latest Approved package, or leave the endpoint as it is (and why).
 */
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../contracts/parse-input.ts';
import type { ModelPackageDescription, ModelRegistryGateway } from '../../tasks/_shared/model-registry.ts';
import type { ModelDescription } from '../../tasks/_shared/sagemaker.ts';
import {
  type ResolveModelPackageDeps,
  type ResolveModelPackageState,
  resolveModelPackage,
} from '../../tasks/resolve-model-package/resolve-model-package.ts';
import { DeployApprovedModelPackageInput } from '../../workflows/deploy-approved-model-package/contract.ts';
import { deployApprovedModelPackage } from '../../workflows/deploy-approved-model-package/workflow.ts';

const ARN = (version: number, group = 'churn') =>
  `arn:aws:sagemaker:us-east-1:123456789012:model-package/${group}/${version}`;

/** A registry of `packages` (by version) and an endpoint whose model was created from `served`. */
function world(packages: Record<number, string>, served?: string): ResolveModelPackageDeps {
  const described = (version: number): ModelPackageDescription => ({
    arn: ARN(version),
    group: 'churn',
    version,
    approvalStatus: packages[version] as string,
  });
  const registry: ModelRegistryGateway = {
    async describeModelPackage(arn) {
      const version = Number(arn.split('/').at(-1));
      return packages[version] === undefined ? undefined : described(version);
    },
    async latestApprovedModelPackage() {
      const approved = Object.keys(packages)
        .map(Number)
        .filter((v) => packages[v] === 'Approved');
      return approved.length === 0 ? undefined : ARN(Math.max(...approved));
    },
  };
  const model: ModelDescription = {
    ModelName: 'churn-predictor-abc',
    ModelArn: 'arn:model',
    ExecutionRoleArn: 'arn:role',
    PrimaryContainer: served === undefined ? { Image: 'img' } : { ModelPackageName: served },
  };
  return {
    registry,
    sagemaker: {
      async describeEndpoint(name) {
        return { name, arn: `arn:endpoint/${name}`, status: 'InService', configName: 'cfg' };
      },
      async describeEndpointConfig() {
        return {
          EndpointConfigName: 'cfg',
          EndpointConfigArn: 'arn:cfg',
          ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model.ModelName }],
        };
      },
      async describeModel() {
        return model;
      },
    },
  };
}

/** The first state's document for a decision on version `version` of churn. */
function stateOf(version: number, status: 'Approved' | 'Rejected'): ResolveModelPackageState {
  const { event, deployment } = deployApprovedModelPackage.example;
  const detail = { ...event.detail, ModelPackageVersion: version, ModelPackageArn: ARN(version) };
  const input = { event: { ...event, detail: { ...detail, ModelApprovalStatus: status } }, deployment };
  return { request: parseInput(DeployApprovedModelPackageInput, input) };
}

describe('resolveModelPackage', () => {
  it('deploys an approved package to an endpoint that serves no package, labelled with the package ARN', async () => {
    const { resolution } = await resolveModelPackage(stateOf(1, 'Approved'), world({ 1: 'Approved' }));

    expect(resolution.outcome).toBe('deploy');
    expect(resolution.request?.model).toEqual({ modelPackageArn: ARN(1) });
    expect(resolution.request?.modelVersion).toBe(ARN(1));
    expect(resolution.request?.endpointName).toBe('churn-predictor');
  });

  it('deploys a newer approved version over the served one', async () => {
    const { resolution } = await resolveModelPackage(
      stateOf(2, 'Approved'),
      world({ 1: 'Approved', 2: 'Approved' }, ARN(1)),
    );

    expect(resolution).toMatchObject({ outcome: 'deploy', deployPackageArn: ARN(2), servedPackageArn: ARN(1) });
  });

  it('does not downgrade: an approval of an older version than the served one changes nothing', async () => {
    const { resolution } = await resolveModelPackage(
      stateOf(1, 'Approved'),
      world({ 1: 'Approved', 2: 'Approved' }, ARN(2)),
    );

    expect(resolution).toMatchObject({ outcome: 'older-than-served', servedPackageArn: ARN(2) });
    expect(resolution.request).toBeUndefined();
  });

  it('does not deploy an approval the registry has since overturned', async () => {
    const { resolution } = await resolveModelPackage(stateOf(2, 'Approved'), world({ 2: 'Rejected' }));

    expect(resolution.outcome).toBe('no-longer-approved');
  });

  it('redeploys the latest Approved package when the served one is rejected', async () => {
    const { resolution } = await resolveModelPackage(
      stateOf(3, 'Rejected'),
      world({ 1: 'Approved', 2: 'Approved', 3: 'Rejected' }, ARN(3)),
    );

    expect(resolution).toMatchObject({ outcome: 'redeploy-latest-approved', deployPackageArn: ARN(2) });
    expect(resolution.request?.modelVersion).toBe(ARN(2));
  });

  it('keeps serving when the served package is rejected and no Approved package is left', async () => {
    const { resolution } = await resolveModelPackage(stateOf(1, 'Rejected'), world({ 1: 'Rejected' }, ARN(1)));

    expect(resolution).toMatchObject({ outcome: 'no-approved-package', servedPackageArn: ARN(1) });
  });

  it('changes nothing when a package the endpoint does not serve is rejected', async () => {
    const { resolution } = await resolveModelPackage(
      stateOf(1, 'Rejected'),
      world({ 1: 'Rejected', 2: 'Approved' }, ARN(2)),
    );

    expect(resolution.outcome).toBe('rejected-not-served');
  });
});

import { Duration } from 'aws-cdk-lib';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { DeployApprovedModelPackageInput } from './contract.ts';
import { DeployApprovedModelPackageStates, deployApprovedModelPackageDefinition } from './definition.ts';

/** DeployApprovedModelPackage: a Model Registry approval decision to the group's endpoint. */
export const deployApprovedModelPackage = {
  name: 'DeployApprovedModelPackage',
  description:
    "started by a model package's approval or rejection: deploy the approved package (or, when the served one is rejected, the group's latest approved one) with the group's endpoint settings",
  input: DeployApprovedModelPackageInput,
  example: {
    event: {
      version: '0',
      id: '2b4c5a5e-7f3d-4c1a-9a61-0c2d8f1e3b7a',
      'detail-type': 'SageMaker Model Package State Change',
      source: 'aws.sagemaker',
      account: '123456789012',
      time: '2026-11-25T10:00:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1'],
      detail: {
        ModelPackageGroupName: 'churn',
        ModelPackageVersion: 1,
        ModelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1',
        CreationTime: '2026-11-25T09:12:00Z',
        ModelPackageStatus: 'Completed',
        ModelApprovalStatus: 'Approved',
        LastModifiedTime: '2026-11-25T10:00:00Z',
      },
    },
    deployment: {
      endpointName: 'churn-predictor',
      variants: [{ name: 'AllTraffic', instanceType: 'ml.m5.large', initialInstanceCount: 2 }],
      healthCheck: {
        samples: [{ contentType: 'text/csv', body: '1,2', expectedStatus: 200 }],
        invocations: 10,
        minSuccessRate: 1,
      },
      onFailure: 'rollback',
      retainVersions: 3,
    },
  },
  // As DeployEndpoint: busy retries, the wait deadline (at most a day), and a rollback that waits too.
  timeout: Duration.hours(48),
  folder: folderOf(import.meta.url),
  states: DeployApprovedModelPackageStates,
  build: deployApprovedModelPackageDefinition,
} as const satisfies WorkflowDefinition<'DeployApprovedModelPackage', typeof DeployApprovedModelPackageInput>;

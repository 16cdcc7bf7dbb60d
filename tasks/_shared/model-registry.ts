/**
 * The Model Registry calls the tasks make (DescribeModelPackage, ListModelPackages), behind one small interface
 * that cores depend on (faked in tests); handlers pass `modelRegistryGateway(client)`.
 */
import { DescribeModelPackageCommand, ListModelPackagesCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { callSageMaker, isNotFound } from './sagemaker.ts';

/** A versioned model package, as DescribeModelPackage reports it (the members the workflows read). */
export interface ModelPackageDescription {
  arn: string;
  group: string;
  version: number;
  /** Approved, Rejected or PendingManualApproval. */
  approvalStatus: string;
}

/** Every Model Registry call a task makes. */
export interface ModelRegistryGateway {
  /** The package, or undefined when it does not exist (any more). */
  describeModelPackage(arn: string): Promise<ModelPackageDescription | undefined>;
  /** The ARN of the group's most recently created Approved package, or undefined when none is Approved. */
  latestApprovedModelPackage(group: string): Promise<string | undefined>;
}

/** The ModelRegistryGateway backed by the AWS SDK client. */
export function modelRegistryGateway(client: SageMakerClient): ModelRegistryGateway {
  return {
    async describeModelPackage(arn) {
      try {
        const out = await callSageMaker('DescribeModelPackage', () =>
          client.send(new DescribeModelPackageCommand({ ModelPackageName: arn })),
        );
        if (!out.ModelPackageArn) return undefined;
        return {
          arn: out.ModelPackageArn,
          group: out.ModelPackageGroupName ?? '',
          version: out.ModelPackageVersion ?? 0,
          approvalStatus: out.ModelApprovalStatus ?? 'PendingManualApproval',
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async latestApprovedModelPackage(group) {
      // ListModelPackages sorts Ascending unless told otherwise: ask for the newest one explicitly.
      const out = await callSageMaker('ListModelPackages', () =>
        client.send(
          new ListModelPackagesCommand({
            ModelPackageGroupName: group,
            ModelApprovalStatus: 'Approved',
            ModelPackageType: 'Versioned',
            SortBy: 'CreationTime',
            SortOrder: 'Descending',
            MaxResults: 1,
          }),
        ),
      );
      return out.ModelPackageSummaryList?.[0]?.ModelPackageArn;
    },
  };
}

import {
  AddTagsCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  type CreateModelPackageCommandInput,
  CreateModelPackageGroupCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  type ListModelPackagesCommandOutput,
  ListTagsCommand,
  type SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, deployModel, errorOf, LINEAR_IMAGE, startTestEmulator, uploadLinearModel } from './helpers.ts';

const ARN = 'arn:aws:sagemaker:us-east-1:123456789012';

describe('emulated Model Registry', () => {
  let emulator: Awaited<ReturnType<typeof startTestEmulator>>;
  let sagemaker: SageMakerClient;
  let runtime: SageMakerRuntimeClient;
  let doublingUri: string;
  let plusHundredUri: string;

  const packageOf = (
    group: string,
    modelDataUrl: string,
    extra: Partial<CreateModelPackageCommandInput> = {},
  ): CreateModelPackageCommandInput => ({
    ModelPackageGroupName: group,
    InferenceSpecification: {
      Containers: [{ Image: LINEAR_IMAGE, ModelDataUrl: modelDataUrl }],
      SupportedContentTypes: ['application/json'],
      SupportedResponseMIMETypes: ['application/json'],
      SupportedRealtimeInferenceInstanceTypes: ['ml.m5.large'],
    },
    ...extra,
  });

  const packageEvents = async () =>
    (await emulator.readEvents()).filter((e) => e['detail-type'] === 'SageMaker Model Package State Change');

  beforeAll(async () => {
    emulator = await startTestEmulator();
    ({ sagemaker, runtime } = clients(emulator.url, 1));
    const { s3 } = clients(emulator.url);
    doublingUri = await uploadLinearModel(s3, 'registry', 'doubling/model.tar.gz', [2], 0);
    plusHundredUri = await uploadLinearModel(s3, 'registry', 'plus-hundred/model.tar.gz', [1], 100);
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('creates, describes, lists and deletes model package groups', async () => {
    const created = await sagemaker.send(
      new CreateModelPackageGroupCommand({
        ModelPackageGroupName: 'Churn',
        ModelPackageGroupDescription: 'churn models',
        Tags: [{ Key: 'team', Value: 'ml' }],
      }),
    );
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'Alpha' }));

    const byName = await sagemaker.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'Churn' }));
    const byArn = await sagemaker.send(
      new DescribeModelPackageGroupCommand({ ModelPackageGroupName: `${ARN}:model-package-group/churn` }),
    );
    const duplicate = await errorOf(
      sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'churn' })),
    );
    const missing = await errorOf(
      sagemaker.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'nope' })),
    );
    const byNameOrder = await sagemaker.send(
      new ListModelPackageGroupsCommand({ SortBy: 'Name', NameContains: 'H', SortOrder: 'Ascending' }),
    );
    const tags = await sagemaker.send(new ListTagsCommand({ ResourceArn: created.ModelPackageGroupArn }));
    await sagemaker.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: 'Alpha' }));
    const afterDelete = await sagemaker.send(new ListModelPackageGroupsCommand({}));

    expect(created.ModelPackageGroupArn).toBe(`${ARN}:model-package-group/churn`);
    expect(byName).toMatchObject({
      ModelPackageGroupName: 'Churn',
      ModelPackageGroupArn: `${ARN}:model-package-group/churn`,
      ModelPackageGroupDescription: 'churn models',
      ModelPackageGroupStatus: 'Completed',
    });
    expect(byName.CreationTime).toBeInstanceOf(Date);
    expect(byArn.ModelPackageGroupName).toBe('Churn');
    expect(duplicate.name).toBe('ValidationException');
    expect(duplicate.message).toBe(`Model Package Group already exists: ${ARN}:model-package-group/churn`);
    expect(missing.message).toBe(`Model Package Group "${ARN}:model-package-group/nope" does not exist.`);
    expect(byNameOrder.ModelPackageGroupSummaryList?.map((g) => g.ModelPackageGroupName)).toEqual(['Alpha', 'Churn']);
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'ml' }]);
    expect(afterDelete.ModelPackageGroupSummaryList?.map((g) => g.ModelPackageGroupName)).toEqual(['Churn']);
  });

  it('versions packages per group, PendingManualApproval and Completed by default, described by group/version or ARN', async () => {
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'versions' }));
    const first = await sagemaker.send(new CreateModelPackageCommand(packageOf('versions', doublingUri)));
    const second = await sagemaker.send(
      new CreateModelPackageCommand(
        packageOf('versions', plusHundredUri, {
          ModelApprovalStatus: 'Approved',
          CustomerMetadataProperties: { accuracy: '0.91' },
          ModelPackageDescription: 'second',
        }),
      ),
    );

    const byVersion = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: 'versions/1' }));
    const byArn = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: second.ModelPackageArn }));
    const missing = await errorOf(sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: 'versions/9' })));

    expect(first.ModelPackageArn).toBe(`${ARN}:model-package/versions/1`);
    expect(second.ModelPackageArn).toBe(`${ARN}:model-package/versions/2`);
    expect(byVersion).toMatchObject({
      ModelPackageName: 'versions',
      ModelPackageGroupName: 'versions',
      ModelPackageVersion: 1,
      ModelPackageArn: `${ARN}:model-package/versions/1`,
      ModelApprovalStatus: 'PendingManualApproval',
      ModelPackageStatus: 'Completed',
      ModelPackageStatusDetails: { ValidationStatuses: [] },
    });
    expect(byVersion.InferenceSpecification?.Containers?.[0]).toMatchObject({
      Image: LINEAR_IMAGE,
      ModelDataUrl: doublingUri,
      ImageDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(byArn).toMatchObject({
      ModelPackageVersion: 2,
      ModelApprovalStatus: 'Approved',
      CustomerMetadataProperties: { accuracy: '0.91' },
      ModelPackageDescription: 'second',
    });
    expect(missing.name).toBe('ValidationException');
    expect(missing.message).toBe(`ModelPackage ${ARN}:model-package/versions/9 does not exist.`);
  });

  it('refuses invalid requests as SageMaker does, and what it does not emulate as not supported', async () => {
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'refusals' }));
    const cases = await Promise.all([
      errorOf(sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'bad_name' }))),
      errorOf(
        sagemaker.send(
          // biome-ignore lint/suspicious/noExplicitAny: deliberately not one of the enum's values
          new CreateModelPackageCommand(packageOf('refusals', doublingUri, { ModelApprovalStatus: 'Yes' as any })),
        ),
      ),
      errorOf(sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'refusals', MaxResults: 101 }))),
      errorOf(sagemaker.send(new CreateModelPackageCommand(packageOf('nope', doublingUri)))),
      errorOf(
        sagemaker.send(new CreateModelPackageCommand(packageOf('refusals', doublingUri, { ModelPackageName: 'x' }))),
      ),
      errorOf(sagemaker.send(new CreateModelPackageCommand({ ModelPackageName: 'unversioned' }))),
      errorOf(
        sagemaker.send(
          new CreateModelPackageCommand(
            packageOf('refusals', doublingUri, {
              ValidationSpecification: {
                ValidationRole: 'arn:aws:iam::123456789012:role/r',
                ValidationProfiles: [],
              },
            }),
          ),
        ),
      ),
      errorOf(
        sagemaker.send(
          new CreateModelPackageCommand(
            packageOf('refusals', doublingUri, {
              ValidationSpecification: { ValidationRole: 'not-a-role', ValidationProfiles: [] },
            }),
          ),
        ),
      ),
      // biome-ignore lint/suspicious/noExplicitAny: deliberately missing the required ModelPackageArn
      errorOf(sagemaker.send(new UpdateModelPackageCommand({ ModelApprovalStatus: 'Approved' } as any))),
    ]);

    expect(cases.map((e) => e.name)).toEqual([
      'ValidationException',
      'ValidationException',
      'ValidationException',
      'ValidationException',
      'ValidationException',
      'UnknownOperationException',
      'UnknownOperationException',
      'ValidationException',
      'ValidationException',
    ]);
    expect(cases[0]?.message).toContain("at 'modelPackageGroupName' failed to satisfy constraint");
    expect(cases[1]?.message).toContain(
      "at 'modelApprovalStatus' failed to satisfy constraint: Member must satisfy enum value set",
    );
    expect(cases[2]?.message).toContain(
      "at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
    expect(cases[3]?.message).toBe(`Model Package Group "${ARN}:model-package-group/nope" does not exist.`);
    expect(cases[4]?.message).toBe(
      'Both ModelPackageName and ModelPackageGroupName are provided in the input. Cannot determine which one to use.',
    );
    expect(cases[5]?.message).toContain('Unversioned model packages');
    expect(cases[6]?.message).toBe(
      'ValidationSpecification on CreateModelPackage is not supported by the smwf local emulator yet.',
    );
    expect(cases[7]?.message).toContain("at 'validationSpecification.validationRole' failed to satisfy constraint");
    expect(cases[8]?.message).toContain("'modelPackageArn' failed to satisfy constraint: Member must not be null");
    const listed = await sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'refusals' }));
    expect(listed.ModelPackageSummaryList).toEqual([]);
  });

  it('lists packages oldest first by default, filtered by approval, sorted and paged', async () => {
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'listing' }));
    for (const status of ['Approved', 'Rejected', 'Approved', 'PendingManualApproval', 'Approved'] as const) {
      await sagemaker.send(
        new CreateModelPackageCommand(packageOf('listing', doublingUri, { ModelApprovalStatus: status })),
      );
    }
    const versions = (out: ListModelPackagesCommandOutput) =>
      out.ModelPackageSummaryList?.map((p) => p.ModelPackageVersion);

    const all = await sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'listing' }));
    const latestApproved = await sagemaker.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: `${ARN}:model-package-group/listing`,
        ModelApprovalStatus: 'Approved',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 1,
      }),
    );
    const firstPage = await sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: 'listing', SortOrder: 'Descending', MaxResults: 2 }),
    );
    const secondPage = await sagemaker.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: 'listing',
        SortOrder: 'Descending',
        MaxResults: 2,
        NextToken: firstPage.NextToken,
      }),
    );
    const third = all.ModelPackageSummaryList?.[2]?.CreationTime as Date;
    const createdAfterThird = await sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: 'listing', CreationTimeAfter: third }),
    );
    const withoutGroup = await sagemaker.send(new ListModelPackagesCommand({}));
    const versionedEverywhere = await sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageType: 'Versioned', NameContains: 'listing' }),
    );

    expect(versions(all)).toEqual([1, 2, 3, 4, 5]);
    expect(all.ModelPackageSummaryList?.[0]).toMatchObject({
      ModelPackageGroupName: 'listing',
      ModelPackageArn: `${ARN}:model-package/listing/1`,
      ModelApprovalStatus: 'Approved',
      ModelPackageStatus: 'Completed',
    });
    expect(all.NextToken).toBeUndefined();
    expect(versions(latestApproved)).toEqual([5]);
    expect(latestApproved.NextToken).toBeDefined();
    expect(versions(firstPage)).toEqual([5, 4]);
    expect(versions(secondPage)).toEqual([3, 2]);
    expect(versions(createdAfterThird)).toContain(5);
    expect(versions(createdAfterThird)?.every((v) => (v ?? 0) > 3)).toBe(true);
    expect(withoutGroup.ModelPackageSummaryList).toEqual([]); // the default type is Unversioned without a group
    expect(versions(versionedEverywhere)).toEqual([1, 2, 3, 4, 5]);
  });

  it('emits a state change event on creation and on an approval change, in the documented detail shape', async () => {
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'events' }));
    const before = (await packageEvents()).length;
    const { ModelPackageArn } = await sagemaker.send(new CreateModelPackageCommand(packageOf('events', doublingUri)));
    await sagemaker.send(
      new UpdateModelPackageCommand({ ModelPackageArn, CustomerMetadataProperties: { owner: 'me' } }),
    );
    const afterMetadataOnly = (await packageEvents()).length;
    await sagemaker.send(
      new UpdateModelPackageCommand({ ModelPackageArn, ModelApprovalStatus: 'Approved', ApprovalDescription: 'good' }),
    );
    await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn, ModelApprovalStatus: 'Approved' }));

    const events = (await packageEvents()).slice(before);
    const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: ModelPackageArn }));

    expect(afterMetadataOnly - before).toBe(1);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      source: 'aws.sagemaker',
      'detail-type': 'SageMaker Model Package State Change',
      account: '123456789012',
      region: 'us-east-1',
      resources: [ModelPackageArn],
      eventBusName: 'default',
      detail: {
        ModelPackageGroupName: 'events',
        ModelPackageVersion: 1,
        ModelPackageArn,
        ModelPackageStatus: 'Completed',
        ModelApprovalStatus: 'PendingManualApproval',
        CertifyForMarketplace: false,
        InferenceSpecification: { Containers: [{ Image: LINEAR_IMAGE, ModelDataUrl: doublingUri }] },
      },
    });
    const detail = events[1]?.detail as Record<string, unknown>;
    expect(detail).toMatchObject({ ModelApprovalStatus: 'Approved', ApprovalDescription: 'good' });
    expect(detail.CreationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(detail.LastModifiedTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(described).toMatchObject({
      ModelApprovalStatus: 'Approved',
      ApprovalDescription: 'good',
      CustomerMetadataProperties: { owner: 'me' },
    });
  });

  it('deletes packages without reusing their versions, and refuses to delete a group that holds packages', async () => {
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'deleting' }));
    await sagemaker.send(new CreateModelPackageCommand(packageOf('deleting', doublingUri)));
    const second = await sagemaker.send(new CreateModelPackageCommand(packageOf('deleting', doublingUri)));
    await sagemaker.send(new AddTagsCommand({ ResourceArn: second.ModelPackageArn, Tags: [{ Key: 'k', Value: 'v' }] }));
    const packageTags = await sagemaker.send(new ListTagsCommand({ ResourceArn: second.ModelPackageArn }));

    const heldBack = await errorOf(
      sagemaker.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: 'deleting' })),
    );
    await sagemaker.send(new DeleteModelPackageCommand({ ModelPackageName: second.ModelPackageArn }));
    const third = await sagemaker.send(new CreateModelPackageCommand(packageOf('deleting', doublingUri)));
    await sagemaker.send(new DeleteModelPackageCommand({ ModelPackageName: 'deleting/1' }));
    await sagemaker.send(new DeleteModelPackageCommand({ ModelPackageName: third.ModelPackageArn }));
    await sagemaker.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: 'deleting' }));
    const gone = await errorOf(
      sagemaker.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'deleting' })),
    );

    expect(packageTags.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    expect(heldBack.name).toBe('ConflictException');
    expect(heldBack.message).toContain('holds 2 model package(s)');
    expect(third.ModelPackageArn).toBe(`${ARN}:model-package/deleting/3`);
    expect(gone.name).toBe('ValidationException');
  });

  it('creates a model from an Approved package, which serves the package image and artifact; refuses one not Approved', async () => {
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'serving' }));
    const pending = await sagemaker.send(new CreateModelPackageCommand(packageOf('serving', doublingUri)));
    const approved = await sagemaker.send(
      new CreateModelPackageCommand(packageOf('serving', plusHundredUri, { ModelApprovalStatus: 'Approved' })),
    );

    const refused = await errorOf(
      sagemaker.send(
        new CreateModelCommand({
          ModelName: 'from-pending',
          Containers: [{ ModelPackageName: pending.ModelPackageArn }],
        }),
      ),
    );
    const mixed = await errorOf(
      sagemaker.send(
        new CreateModelCommand({
          ModelName: 'mixed',
          PrimaryContainer: { ModelPackageName: approved.ModelPackageArn, Image: LINEAR_IMAGE },
        }),
      ),
    );
    const endpoint = await deployModel(sagemaker, 'from-package', {
      Containers: [{ ModelPackageName: approved.ModelPackageArn }],
    });
    const model = await sagemaker.send(new DescribeModelCommand({ ModelName: 'from-package' }));
    const answer = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: 'from-package',
        ContentType: 'application/json',
        Accept: 'application/json',
        Body: JSON.stringify([[5]]),
      }),
    );
    await sagemaker.send(
      new UpdateModelPackageCommand({ ModelPackageArn: pending.ModelPackageArn, ModelApprovalStatus: 'Approved' }),
    );
    await sagemaker.send(
      new CreateModelCommand({ ModelName: 'from-primary', PrimaryContainer: { ModelPackageName: 'serving/1' } }),
    );

    expect(refused.name).toBe('ValidationException');
    expect(refused.message).toBe(
      `Model package ${ARN}:model-package/serving/1 is PendingManualApproval: a versioned model package must be Approved before a model can be created from it.`,
    );
    expect(mixed.message).toContain('Image cannot be given with it');
    expect(endpoint.EndpointStatus).toBe('InService');
    expect(endpoint.ProductionVariants?.[0]?.DeployedImages?.[0]?.SpecifiedImage).toBe(LINEAR_IMAGE);
    expect(model.Containers).toEqual([{ ModelPackageName: approved.ModelPackageArn }]);
    expect(JSON.parse(Buffer.from(answer.Body).toString('utf8'))).toEqual({ predictions: [105] });
    const fromPrimary = await sagemaker.send(new DescribeModelCommand({ ModelName: 'from-primary' }));
    expect(fromPrimary.PrimaryContainer).toEqual({ ModelPackageName: 'serving/1' });

    // The definition's ContainerHostname names the package's container: a pipeline whose every container has a
    // hostname is accepted (the package's own container has none).
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'hosted-pipeline',
        Containers: [
          { ModelPackageName: 'serving/1', ContainerHostname: 'first' },
          { Image: LINEAR_IMAGE, ModelDataUrl: doublingUri, ContainerHostname: 'second' },
        ],
      }),
    );
    const pipeline = await sagemaker.send(new DescribeModelCommand({ ModelName: 'hosted-pipeline' }));
    expect(pipeline.Containers?.[0]).toEqual({ ModelPackageName: 'serving/1', ContainerHostname: 'first' });
  });

  it('keeps groups, packages and the next version number across a restart on the same state directory', async () => {
    const first = await startTestEmulator();
    const before = clients(first.url, 1).sagemaker;
    try {
      await before.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'durable' }));
      await before.send(
        new CreateModelPackageCommand(packageOf('durable', doublingUri, { ModelApprovalStatus: 'Approved' })),
      );
      await before.send(new CreateModelPackageCommand(packageOf('durable', doublingUri)));
      await before.send(new DeleteModelPackageCommand({ ModelPackageName: 'durable/2' }));
    } finally {
      await first.stop();
    }
    const second = await startTestEmulator({ stateDir: first.stateDir });
    try {
      const after = clients(second.url, 1).sagemaker;
      const listed = await after.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'durable' }));
      const next = await after.send(new CreateModelPackageCommand(packageOf('durable', doublingUri)));

      expect(listed.ModelPackageSummaryList?.map((p) => [p.ModelPackageVersion, p.ModelApprovalStatus])).toEqual([
        [1, 'Approved'],
      ]);
      expect(next.ModelPackageArn).toBe(`${ARN}:model-package/durable/3`);
    } finally {
      await second.stop();
    }
  });
});

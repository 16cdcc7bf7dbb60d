/**
 * The Model Registry: model package groups and versioned model packages (Create, Describe, List, Update, Delete),
 * the `SageMaker Model Package State Change` events they emit, and how CreateModel resolves a ModelPackageName.
 */

import { randomUUID } from 'node:crypto';
import { notEmulated, ServiceError, validationException } from '../errors.ts';
import { ACCOUNT_ID, type EmulatorEvent, type EventLog } from '../events.ts';
import { imageDigest } from '../hosting/images.ts';
import type { Operations } from '../operations.ts';
import { compareStrings, listPage } from '../store/listing.ts';
import {
  type ModelPackageGroupRecord,
  type ModelPackageRecord,
  modelPackageKey,
  resourceArn,
  type SageMakerStore,
  type Tag,
} from '../store/store.ts';

type Input = Record<string, unknown>;

/** The most containers one model can have (ContainerDefinitionList's max in the API model). */
const MAX_MODEL_CONTAINERS = 15;

/**
 * Members of CreateModelPackage that ask SageMaker to do work the emulator does not do (validation transform jobs,
 * algorithm resources, encryption, managed storage, unversioned packages): refused as not emulated, never ignored.
 */
const NOT_EMULATED_CREATE_MEMBERS = ['ValidationSpecification', 'SourceAlgorithmSpecification', 'SecurityConfig'];

/** A name, or an ARN whose resource part is `<kind>/<name>[/<version>]`, split into its parts. */
function nameAndVersion(value: string, kind: 'model-package' | 'model-package-group') {
  const arn = /^arn:aws[a-z-]*:sagemaker:([a-z0-9-]*):(\d{12}):([a-z-]*)\/(.+)$/.exec(value);
  const path = arn ? (arn[4] as string) : value;
  const [name, version] = path.split('/');
  return {
    arnKind: arn?.[3],
    matchesKind: !arn || arn[3] === kind,
    region: arn?.[1],
    name: name as string,
    version: version === undefined ? undefined : Number(version),
  };
}

function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Model package groups and versioned model packages of one emulator. */
export class ModelRegistry {
  constructor(
    private readonly store: SageMakerStore,
    private readonly events: EventLog,
  ) {}

  /** The registry's operations, for the control plane's handler table. */
  handlers(): Operations {
    return {
      CreateModelPackageGroup: (r, i) => this.createGroup(r, i),
      DescribeModelPackageGroup: async (r, i) => this.requireGroup(r, String(i.ModelPackageGroupName)),
      ListModelPackageGroups: async (r, i) => this.listGroups(r, i),
      DeleteModelPackageGroup: (r, i) => this.deleteGroup(r, i),
      CreateModelPackage: (r, i) => this.createPackage(r, i),
      DescribeModelPackage: async (r, i) => this.requirePackage(r, String(i.ModelPackageName)),
      ListModelPackages: async (r, i) => this.listPackages(r, i),
      UpdateModelPackage: (r, i) => this.updatePackage(r, i),
      DeleteModelPackage: (r, i) => this.deletePackage(r, i),
    };
  }

  // --- groups ---

  /** A group by name or ARN; the message names the group's ARN, as SageMaker's resource errors do. */
  requireGroup(region: string, nameOrArn: string): ModelPackageGroupRecord {
    const { name, matchesKind, region: arnRegion } = nameAndVersion(nameOrArn, 'model-package-group');
    const group = matchesKind ? this.store.modelPackageGroups.get(arnRegion ?? region, name) : undefined;
    if (!group) {
      const arn = matchesKind ? resourceArn(arnRegion ?? region, 'model-package-group', name) : nameOrArn;
      throw validationException(`Model Package Group "${arn}" does not exist.`);
    }
    return group;
  }

  private async createGroup(region: string, input: Input): Promise<unknown> {
    const name = String(input.ModelPackageGroupName);
    const arn = resourceArn(region, 'model-package-group', name);
    if (this.store.modelPackageGroups.get(region, name)) {
      throw validationException(`Model Package Group already exists: ${arn}`);
    }
    if (input.ManagedConfiguration !== undefined) {
      throw notEmulated('ManagedConfiguration (a group managed by the SageMaker model registry service) is');
    }
    const record: ModelPackageGroupRecord = {
      ModelPackageGroupName: name,
      ModelPackageGroupArn: arn,
      ...(input.ModelPackageGroupDescription !== undefined
        ? { ModelPackageGroupDescription: input.ModelPackageGroupDescription }
        : {}),
      ModelPackageGroupStatus: 'Completed',
      CreatedBy: {},
      CreationTime: this.store.nowSeconds(),
      ...(input.Tags ? { Tags: input.Tags as Tag[] } : {}),
      smwf: { region, lastVersion: 0 },
    };
    await this.store.modelPackageGroups.put(name, record);
    return { ModelPackageGroupArn: arn };
  }

  private listGroups(region: string, input: Input): Input {
    // Groups shared from other accounts (CrossAccountFilterOption CrossAccount): the emulator has one account, so
    // there are none.
    const groups = input.CrossAccountFilterOption === 'CrossAccount' ? [] : this.store.modelPackageGroups.list(region);
    return listPage(groups, input, {
      nameMember: 'ModelPackageGroupName',
      listMember: 'ModelPackageGroupSummaryList',
      defaultSortOrder: 'Ascending',
      defaultMaxResults: 10,
      // ListModelPackageGroups: "A filter that returns only model groups created after the specified time."
      createdAtAfterIncluded: false,
    });
  }

  private async deleteGroup(region: string, input: Input): Promise<unknown> {
    const group = this.requireGroup(region, String(input.ModelPackageGroupName));
    const held = this.packagesOf(region, group.ModelPackageGroupName).length;
    if (held > 0) {
      throw new ServiceError(
        'ConflictException',
        `Model Package Group "${group.ModelPackageGroupArn}" cannot be deleted: it holds ${held} model package(s). Delete them first.`,
      );
    }
    await this.store.modelPackageGroups.delete(region, group.ModelPackageGroupName);
    return {};
  }

  // --- packages ---

  private packagesOf(region: string, groupName: string): ModelPackageRecord[] {
    const lower = groupName.toLowerCase();
    return this.store.modelPackages.list(region).filter((p) => p.ModelPackageGroupName.toLowerCase() === lower);
  }

  /** A versioned package by `<group>/<version>` or its ARN. A name without a version names an unversioned package. */
  requirePackage(region: string, nameOrArn: string): ModelPackageRecord {
    const { name, version, matchesKind, region: arnRegion } = nameAndVersion(nameOrArn, 'model-package');
    const where = arnRegion ?? region;
    const found =
      matchesKind && version !== undefined
        ? this.store.modelPackages.get(where, modelPackageKey(name, version))
        : undefined;
    if (!found) {
      const arn = matchesKind
        ? resourceArn(where, 'model-package', version === undefined ? name : `${name}/${version}`)
        : nameOrArn;
      throw validationException(`ModelPackage ${arn} does not exist.`);
    }
    return found;
  }

  private async createPackage(region: string, input: Input): Promise<unknown> {
    if (input.ModelPackageName !== undefined && input.ModelPackageGroupName !== undefined) {
      // AWS's words for this request (reported in getmoto/moto#7165).
      throw validationException(
        'Both ModelPackageName and ModelPackageGroupName are provided in the input. Cannot determine which one to use.',
      );
    }
    if (input.ModelPackageName !== undefined) {
      throw notEmulated(
        'Unversioned model packages (CreateModelPackage with ModelPackageName; give ModelPackageGroupName for a versioned package) are',
      );
    }
    if (input.ModelPackageGroupName === undefined) throw validationException('Missing ARN.');
    for (const member of NOT_EMULATED_CREATE_MEMBERS) {
      if (input[member] !== undefined) throw notEmulated(`${member} on CreateModelPackage is`);
    }
    if (input.ManagedStorageType !== undefined) throw notEmulated('ManagedStorageType on CreateModelPackage is');
    const group = this.requireGroup(region, String(input.ModelPackageGroupName));
    const groupName = group.ModelPackageGroupName;
    if (typeof input.ClientToken === 'string') {
      const earlier = this.packagesOf(region, groupName).find((p) => p.smwf.clientToken === input.ClientToken);
      if (earlier) return { ModelPackageArn: earlier.ModelPackageArn };
    }
    const version = group.smwf.lastVersion + 1;
    group.smwf.lastVersion = version;
    await this.store.modelPackageGroups.put(groupName, group);
    const now = this.store.nowSeconds();
    const {
      ModelPackageGroupName: _group,
      ClientToken,
      Tags,
      InferenceSpecification,
      ModelApprovalStatus,
      ...members
    } = input;
    const record: ModelPackageRecord = {
      ...members,
      ModelPackageName: groupName,
      ModelPackageGroupName: groupName,
      ModelPackageVersion: version,
      ModelPackageArn: resourceArn(region, 'model-package', `${groupName}/${version}`),
      ...(InferenceSpecification ? { InferenceSpecification: withDigests(InferenceSpecification as Input) } : {}),
      ModelApprovalStatus: typeof ModelApprovalStatus === 'string' ? ModelApprovalStatus : 'PendingManualApproval',
      // The emulator validates nothing after the request (no ValidationSpecification, no image scan), so the
      // package is complete as soon as it is stored.
      ModelPackageStatus: 'Completed',
      ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
      CertifyForMarketplace: input.CertifyForMarketplace ?? false,
      CreationTime: now,
      LastModifiedTime: now,
      CreatedBy: {},
      LastModifiedBy: {},
      ...(Tags ? { Tags: Tags as Tag[] } : {}),
      smwf: { region, ...(typeof ClientToken === 'string' ? { clientToken: ClientToken } : {}) },
    };
    await this.store.modelPackages.put(modelPackageKey(groupName, version), record);
    await this.emitStateChange(record);
    return { ModelPackageArn: record.ModelPackageArn };
  }

  private listPackages(region: string, input: Input): Input {
    let packages = this.store.modelPackages.list(region);
    if (input.ModelPackageGroupName !== undefined) {
      const group = nameAndVersion(String(input.ModelPackageGroupName), 'model-package-group');
      packages = group.matchesKind ? this.packagesOf(group.region ?? region, group.name) : [];
    }
    // The API reference says ModelPackageType defaults to Unversioned; with a group, AWS lists the group's versions
    // (what every registry client relies on), so the default is Versioned when a group is given.
    const type = input.ModelPackageType ?? (input.ModelPackageGroupName !== undefined ? 'Versioned' : 'Unversioned');
    if (type === 'Unversioned') packages = []; // the emulator holds no unversioned packages
    if (typeof input.ModelApprovalStatus === 'string') {
      packages = packages.filter((p) => p.ModelApprovalStatus === input.ModelApprovalStatus);
    }
    return listPage(packages, input, {
      nameMember: 'ModelPackageName',
      listMember: 'ModelPackageSummaryList',
      defaultSortOrder: 'Ascending',
      defaultMaxResults: 10,
      // ListModelPackages: "A filter that returns only model packages created after the specified time."
      createdAtAfterIncluded: false,
      tieBreak: (a, b) =>
        compareStrings(a.ModelPackageGroupName, b.ModelPackageGroupName) ||
        a.ModelPackageVersion - b.ModelPackageVersion,
    });
  }

  private async updatePackage(region: string, input: Input): Promise<unknown> {
    const record = this.requirePackage(region, String(input.ModelPackageArn));
    if (input.InferenceSpecification !== undefined)
      throw notEmulated('InferenceSpecification on UpdateModelPackage is');
    if (input.ModelPackageRegistrationType !== undefined) {
      throw notEmulated('ModelPackageRegistrationType on UpdateModelPackage is');
    }
    const toRemove = (input.CustomerMetadataPropertiesToRemove as string[] | undefined) ?? [];
    const toSet = (input.CustomerMetadataProperties as Record<string, string> | undefined) ?? {};
    const both = toRemove.find((key) => key in toSet);
    if (both !== undefined) {
      throw validationException(
        `Customer metadata key "${both}" is both in CustomerMetadataProperties and in CustomerMetadataPropertiesToRemove.`,
      );
    }
    const approvalBefore = record.ModelApprovalStatus;
    const lifeCycleBefore = JSON.stringify(record.ModelLifeCycle ?? null);
    if (typeof input.ModelApprovalStatus === 'string') record.ModelApprovalStatus = input.ModelApprovalStatus;
    if (input.ApprovalDescription !== undefined) record.ApprovalDescription = input.ApprovalDescription;
    if (input.CustomerMetadataProperties !== undefined || toRemove.length > 0) {
      const metadata = {
        ...((record.CustomerMetadataProperties as Record<string, string> | undefined) ?? {}),
        ...toSet,
      };
      for (const key of toRemove) delete metadata[key];
      if (Object.keys(metadata).length > 50) {
        throw validationException('A model package can have at most 50 customer metadata properties.');
      }
      if (Object.keys(metadata).length > 0) record.CustomerMetadataProperties = metadata;
      else delete record.CustomerMetadataProperties;
    }
    if (input.AdditionalInferenceSpecificationsToAdd !== undefined) {
      const added = input.AdditionalInferenceSpecificationsToAdd as Input[];
      const current = (record.AdditionalInferenceSpecifications as Input[] | undefined) ?? [];
      const names = new Set(current.map((s) => s.Name));
      const duplicate = added.find((s) => names.has(s.Name));
      if (duplicate) {
        throw validationException(`An additional inference specification named "${String(duplicate.Name)}" exists.`);
      }
      if (current.length + added.length > 15) {
        throw validationException('A model package can have at most 15 additional inference specifications.');
      }
      record.AdditionalInferenceSpecifications = [...current, ...added];
    }
    for (const member of ['ModelLifeCycle', 'ModelCard', 'SourceUri'] as const) {
      if (input[member] !== undefined) record[member] = input[member];
    }
    record.LastModifiedTime = this.store.nowSeconds();
    await this.store.modelPackages.put(
      modelPackageKey(record.ModelPackageGroupName, record.ModelPackageVersion),
      record,
    );
    // Events on an approval or life-cycle change only (both documented); AWS does not say whether other updates emit,
    // and the emulator's choice is that they do not.
    if (
      record.ModelApprovalStatus !== approvalBefore ||
      JSON.stringify(record.ModelLifeCycle ?? null) !== lifeCycleBefore
    ) {
      await this.emitStateChange(record);
    }
    return { ModelPackageArn: record.ModelPackageArn };
  }

  private async deletePackage(region: string, input: Input): Promise<unknown> {
    const record = this.requirePackage(region, String(input.ModelPackageName));
    await this.store.modelPackages.delete(
      region,
      modelPackageKey(record.ModelPackageGroupName, record.ModelPackageVersion),
    );
    return {};
  }

  /**
   * The containers a model runs for one ContainerDefinition naming a model package: the package's
   * InferenceSpecification containers, each with the definition's Environment over the package's, and the
   * definition's ContainerHostname over the package's (a hostname for a package of several containers is refused:
   * AWS does not say which container it names). A versioned
   * package must be Approved (CreateModelPackage reference: ModelApprovalStatus "must be set to Approved to deploy
   * the model"); the message is ours.
   */
  resolveContainers(region: string, definition: Input): Input[] {
    for (const member of ['Image', 'ModelDataUrl', 'ModelDataSource', 'Mode', 'MultiModelConfig', 'ImageConfig']) {
      if (definition[member] !== undefined) {
        throw validationException(
          `A container that names a model package (ModelPackageName) takes its ${member === 'Mode' || member === 'MultiModelConfig' || member === 'ImageConfig' ? 'settings' : 'image and model data'} from the package: ${member} cannot be given with it.`,
        );
      }
    }
    if (definition.InferenceSpecificationName !== undefined) {
      throw notEmulated('InferenceSpecificationName (an additional inference specification of a model package) is');
    }
    if (definition.AdditionalModelDataSources !== undefined) {
      throw notEmulated('AdditionalModelDataSources is');
    }
    const pkg = this.requirePackage(region, String(definition.ModelPackageName));
    if (pkg.ModelApprovalStatus !== 'Approved') {
      throw validationException(
        `Model package ${pkg.ModelPackageArn} is ${pkg.ModelApprovalStatus}: a versioned model package must be Approved before a model can be created from it.`,
      );
    }
    const spec = pkg.InferenceSpecification as { Containers: Input[] } | undefined;
    if (!spec) {
      throw validationException(
        `Model package ${pkg.ModelPackageArn} has no InferenceSpecification, so no model can be created from it.`,
      );
    }
    const environment = (definition.Environment as Record<string, string> | undefined) ?? {};
    const hostname = definition.ContainerHostname;
    if (hostname !== undefined && spec.Containers.length > 1) {
      throw notEmulated(
        `ContainerHostname on a container naming model package ${pkg.ModelPackageArn}, which has ${spec.Containers.length} containers, is`,
      );
    }
    return spec.Containers.map((c, index) => {
      if (typeof c.Image !== 'string') {
        throw validationException(
          `Container ${index + 1} of model package ${pkg.ModelPackageArn} has no Image, so no model can be created from it.`,
        );
      }
      const unsupported = ['AdditionalS3DataSource', 'AdditionalModelDataSources', 'ModelInput'].find(
        (m) => c[m] !== undefined,
      );
      if (unsupported) throw notEmulated(`${unsupported} in a model package container is`);
      const merged = { ...((c.Environment as Record<string, string> | undefined) ?? {}), ...environment };
      return {
        Image: c.Image,
        ...(c.ModelDataUrl !== undefined ? { ModelDataUrl: c.ModelDataUrl } : {}),
        ...(c.ModelDataSource !== undefined ? { ModelDataSource: c.ModelDataSource } : {}),
        ...((hostname ?? c.ContainerHostname) !== undefined
          ? { ContainerHostname: hostname ?? c.ContainerHostname }
          : {}),
        ...(Object.keys(merged).length > 0 ? { Environment: merged } : {}),
      };
    });
  }

  /** Every container of a CreateModel request, packages resolved; undefined when no container names a package. */
  resolveModelContainers(region: string, definitions: Input[]): Input[] | undefined {
    if (!definitions.some((d) => d.ModelPackageName !== undefined)) return undefined;
    const resolved = definitions.flatMap((d) =>
      d.ModelPackageName !== undefined ? this.resolveContainers(region, d) : [d],
    );
    if (resolved.length > MAX_MODEL_CONTAINERS) {
      throw validationException(
        `The model would run ${resolved.length} containers once its model packages are resolved; a model has at most ${MAX_MODEL_CONTAINERS}.`,
      );
    }
    return resolved;
  }

  /**
   * `SageMaker Model Package State Change` on the default bus, in the detail shape AWS documents
   * (automating-sagemaker-with-eventbridge): the package's current state, timestamps as ISO strings, no previous
   * status.
   */
  private async emitStateChange(record: ModelPackageRecord): Promise<void> {
    const detail: Input = {};
    for (const member of [
      'ModelPackageGroupName',
      'ModelPackageVersion',
      'ModelPackageArn',
      'ModelPackageName',
      'ModelPackageDescription',
      'InferenceSpecification',
      'ModelPackageStatus',
      'ModelPackageStatusDetails',
      'CertifyForMarketplace',
      'ModelApprovalStatus',
      'ApprovalDescription',
      'MetadataProperties',
      'ModelMetrics',
      'CustomerMetadataProperties',
      'ModelLifeCycle',
      'Domain',
      'Task',
      'SamplePayloadUrl',
      'AdditionalInferenceSpecifications',
      'DriftCheckBaselines',
    ]) {
      if (record[member] !== undefined) detail[member] = record[member];
    }
    detail.CreationTime = isoSeconds(record.CreationTime);
    detail.LastModifiedTime = isoSeconds(record.LastModifiedTime);
    const event: EmulatorEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'SageMaker Model Package State Change',
      source: 'aws.sagemaker',
      account: ACCOUNT_ID,
      time: isoSeconds(record.LastModifiedTime),
      region: record.smwf.region,
      resources: [record.ModelPackageArn],
      detail,
      eventBusName: 'default',
    };
    await this.events.append([event]);
  }
}

/** The InferenceSpecification as DescribeModelPackage shows it: each container with its image's digest. */
function withDigests(spec: Input): Input {
  const containers = (spec.Containers as Input[]).map((c) =>
    typeof c.Image === 'string' && c.ImageDigest === undefined ? { ...c, ImageDigest: imageDigest(c.Image) } : c,
  );
  return { ...spec, Containers: containers };
}

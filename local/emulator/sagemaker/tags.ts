/** AddTags, ListTags and DeleteTags on models, endpoint configs, endpoints and the Model Registry's resources. */
import { ServiceError, validationException } from '../errors.ts';
import type { Operations } from '../operations.ts';
import { nextToken, pageOf } from '../store/listing.ts';
import {
  type BaseRecord,
  type EndpointConfigRecord,
  type EndpointRecord,
  type InferenceComponentRecord,
  type ModelPackageGroupRecord,
  type ModelPackageRecord,
  type ModelRecord,
  modelPackageKey,
  parseArn,
  type SageMakerStore,
  type Tag,
} from '../store/store.ts';
import type { ModelRegistry } from './model-registry.ts';

type Input = Record<string, unknown>;

/** The tag operations of the control plane. */
export function tagOperations(store: SageMakerStore, registry: ModelRegistry): Operations {
  const recordByArn = (arn: string) => findByArn(store, registry, arn);
  return {
    AddTags: async (_r, input) => {
      const record = recordByArn(String(input.ResourceArn));
      const tags = [...(record.Tags ?? [])];
      for (const tag of input.Tags as Tag[]) {
        const existing = tags.findIndex((t) => t.Key === tag.Key);
        if (existing >= 0) tags[existing] = tag;
        else tags.push(tag);
      }
      if (tags.length > 50) {
        throw new ServiceError('ResourceLimitExceeded', 'Resource can have at most 50 tags.');
      }
      record.Tags = tags;
      await saveRecord(store, record);
      return { Tags: input.Tags };
    },
    ListTags: async (_r, input) => {
      const record = recordByArn(String(input.ResourceArn));
      const tags = record.Tags ?? [];
      const { offset, maxResults } = pageOf(input, 50);
      const out: Input = { Tags: tags.slice(offset, offset + maxResults) };
      if (offset + maxResults < tags.length) out.NextToken = nextToken(offset + maxResults);
      return out;
    },
    DeleteTags: async (_r, input) => {
      const record = recordByArn(String(input.ResourceArn));
      const keys = new Set(input.TagKeys as string[]);
      record.Tags = (record.Tags ?? []).filter((t) => !keys.has(t.Key));
      await saveRecord(store, record);
      return {};
    },
  };
}

function findByArn(store: SageMakerStore, registry: ModelRegistry, arn: string): BaseRecord {
  const parsed = parseArn(arn);
  if (parsed?.kind === 'model-package') return registry.requirePackage(parsed.region, arn);
  if (parsed?.kind === 'model-package-group') return registry.requireGroup(parsed.region, arn);
  const record =
    parsed?.kind === 'model'
      ? store.models.get(parsed.region, parsed.name)
      : parsed?.kind === 'endpoint-config'
        ? store.endpointConfigs.get(parsed.region, parsed.name)
        : parsed?.kind === 'endpoint'
          ? store.endpoints.get(parsed.region, parsed.name)
          : parsed?.kind === 'inference-component'
            ? store.inferenceComponents.get(parsed.region, parsed.name)
            : undefined;
  if (!record) {
    const label = parsed?.kind === 'endpoint-config' ? 'endpoint configuration' : (parsed?.kind ?? 'resource');
    throw validationException(`Could not find ${label} "${arn}".`);
  }
  return record;
}

async function saveRecord(store: SageMakerStore, record: BaseRecord): Promise<void> {
  const input = record as unknown as Input;
  if (typeof input.EndpointArn === 'string')
    await store.endpoints.put(String(input.EndpointName), record as EndpointRecord);
  else if (typeof input.EndpointConfigArn === 'string') {
    await store.endpointConfigs.put(String(input.EndpointConfigName), record as EndpointConfigRecord);
  } else if (typeof input.InferenceComponentArn === 'string') {
    await store.inferenceComponents.put(String(input.InferenceComponentName), record as InferenceComponentRecord);
  } else if (typeof input.ModelPackageArn === 'string') {
    const pkg = record as ModelPackageRecord;
    await store.modelPackages.put(modelPackageKey(pkg.ModelPackageGroupName, pkg.ModelPackageVersion), pkg);
  } else if (typeof input.ModelPackageGroupArn === 'string') {
    await store.modelPackageGroups.put(String(input.ModelPackageGroupName), record as ModelPackageGroupRecord);
  } else await store.models.put(String(input.ModelName), record as ModelRecord);
}

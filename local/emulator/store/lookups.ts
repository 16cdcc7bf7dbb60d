/**
 * The stored SageMaker resources by name, answered as SageMaker answers a name that does not exist: every operation
 * that names a model, an endpoint config or an endpoint finds it here, so the not-found texts are written once.
 */
import { ServiceError, validationException } from '../errors.ts';
import { ACCOUNT_ID } from '../events.ts';
import {
  type EndpointConfigRecord,
  type EndpointRecord,
  type InferenceComponentRecord,
  type ModelRecord,
  resourceArn,
  type SageMakerStore,
} from './store.ts';

/** The model, or SageMaker's `Could not find model "<arn>".` */
export function requireModel(store: SageMakerStore, region: string, name: string): ModelRecord {
  const model = store.models.get(region, name);
  if (!model) throw validationException(`Could not find model "${resourceArn(region, 'model', name)}".`);
  return model;
}

/** The endpoint configuration, or SageMaker's `Could not find endpoint configuration "<arn>".` */
export function requireConfig(store: SageMakerStore, region: string, name: string): EndpointConfigRecord {
  const config = store.endpointConfigs.get(region, name);
  if (!config) {
    throw validationException(
      `Could not find endpoint configuration "${resourceArn(region, 'endpoint-config', name)}".`,
    );
  }
  return config;
}

/** The endpoint, or SageMaker's `Could not find endpoint "<arn>".` */
export function requireEndpoint(store: SageMakerStore, region: string, name: string): EndpointRecord {
  const endpoint = store.endpoints.get(region, name);
  if (!endpoint) throw validationException(`Could not find endpoint "${resourceArn(region, 'endpoint', name)}".`);
  return endpoint;
}

/**
 * The inference component, or `Could not find inference component "<arn>".` (SageMaker's not-found wording for its
 * other resources; AWS does not document this one's).
 */
export function requireInferenceComponent(
  store: SageMakerStore,
  region: string,
  name: string,
): InferenceComponentRecord {
  const component = store.inferenceComponents.get(region, name);
  if (!component) {
    throw validationException(
      `Could not find inference component "${resourceArn(region, 'inference-component', name)}".`,
    );
  }
  return component;
}

/** The runtime's answer for an endpoint it cannot invoke: `ValidationError` `Endpoint <name> of account <id> not found.` */
export function endpointNotFound(name: string): ServiceError {
  return new ServiceError('ValidationError', `Endpoint ${name} of account ${ACCOUNT_ID} not found.`, 400);
}

/**
 * The endpoint an invocation (InvokeEndpoint, InvokeEndpointAsync) names. Names are unique regardless of case, but an
 * invocation must match the case the endpoint was created with (CreateEndpoint reference: "The name is
 * case-insensitive in CreateEndpoint, but the case is preserved and must be matched in InvokeEndpoint"); an endpoint
 * of another case, one that does not exist and one that is Deleting are not found.
 */
export function requireInvocableEndpoint(store: SageMakerStore, region: string, name: string): EndpointRecord {
  const endpoint = store.endpoints.get(region, name);
  if (!endpoint || endpoint.EndpointName !== name || endpoint.EndpointStatus === 'Deleting')
    throw endpointNotFound(name);
  return endpoint;
}

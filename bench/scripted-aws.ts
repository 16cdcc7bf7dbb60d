/**
 * A scripted SageMaker (+ Runtime + EventBridge, and S3 objects for the endpoint leases) behind aws-sdk-client-mock, for running the synthesized
 * workflows with the real handlers but without the emulator. It keeps models, configs and endpoints in
 * memory and moves endpoints through their statuses by the (fake) clock, so tests can simulate long
 * provisioning, failed creates, silent rollbacks, busy endpoints and throttling.
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import {
  AddTagsCommand,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  ListTagsCommand,
  type ProductionVariant,
  SageMakerClient,
  SageMakerServiceException,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const arn = (kind: string, name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${kind}/${name.toLowerCase()}`;

function serviceError(name: string, message: string): SageMakerServiceException {
  return new SageMakerServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

/** Statuses in which SageMaker refuses UpdateEndpoint and DeleteEndpoint. */
const IN_PROGRESS = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting']);

/** NameContains matches regardless of case, as the emulator does. */
const nameContains = (name: string, needle: unknown) => name.toLowerCase().includes(String(needle ?? '').toLowerCase());

interface Endpoint {
  name: string;
  arn: string;
  status: string;
  configName: string;
  pendingConfigName?: string;
  failureReason?: string;
  /** When (fake clock, ms) the current transition ends. */
  settlesAt: number;
  /** What the transition ends in. */
  outcome: 'in-service' | 'failed' | 'silent-rollback';
  tags: Record<string, string>;
}

/** How the scripted SageMaker behaves. */
export interface Script {
  /** How long Creating/Updating lasts, in (fake-clock) seconds. @default 0 */
  provisioningSeconds: number;
  /** The next create or update of an endpoint to this config fails (create: Failed; update: silent rollback). */
  failingConfigs: Set<string>;
  /** Models whose image answers invocations with this status and body. @default - 200 and the model name */
  answers: (modelName: string, body: string) => { status: number; body: string };
  /** Every Nth call of each SageMaker operation is throttled (rate limits are per API). @default 0 (never) */
  throttleEvery: number;
  /** PutEvents rejects every entry. */
  rejectEvents: boolean;
}

/** One recorded SageMaker call. */
export interface RecordedCall {
  command: string;
  input: Record<string, unknown>;
}

/** The scripted cloud: its state, what was called, and the events published. */
export class ScriptedAws {
  readonly models = new Map<
    string,
    { arn: string; input: Record<string, unknown>; createdAt: number; tags: Record<string, string> }
  >();
  readonly configs = new Map<
    string,
    { arn: string; variants: ProductionVariant[]; createdAt: number; tags: Record<string, string> }
  >();
  readonly endpoints = new Map<string, Endpoint>();
  readonly calls: RecordedCall[] = [];
  readonly events: { DetailType: string; Detail: Record<string, unknown>; Source: string; EventBusName: string }[] = [];
  readonly invocations: { endpoint: string; model: string }[] = [];
  /** S3 objects (the endpoint leases), by `<bucket>/<key>`: written with S3's conditional writes. */
  readonly objects = new Map<string, { body: string; etag: string }>();
  readonly script: Script = {
    provisioningSeconds: 0,
    failingConfigs: new Set(),
    answers: (model) => ({ status: 200, body: JSON.stringify({ model }) }),
    throttleEvery: 0,
    rejectEvents: false,
  };
  private clock = 0;
  private readonly mocks;

  constructor() {
    const sagemaker = mockClient(SageMakerClient);
    const runtime = mockClient(SageMakerRuntimeClient);
    const eventBridge = mockClient(EventBridgeClient);
    // Autoscaling is exercised against the emulator (test/e2e/auto-scaling.test.ts); the scripted cloud has no
    // scalable targets, and any other Application Auto Scaling call fails the test that makes it.
    const autoScaling = mockClient(ApplicationAutoScalingClient);
    autoScaling.onAnyCommand().rejects(new Error('Application Auto Scaling is not scripted beyond Describe*'));
    autoScaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
    autoScaling.on(DescribeScalingPoliciesCommand).resolves({ ScalingPolicies: [] });
    // The endpoint leases: PutObject with If-None-Match / If-Match as S3 evaluates them, and GetObject.
    const s3 = mockClient(S3Client);
    const s3Error = (name: string, status: number) =>
      new S3ServiceException({ name, message: name, $fault: 'client', $metadata: { httpStatusCode: status } });
    s3.on(PutObjectCommand).callsFake((input) => {
      const id = `${input.Bucket}/${input.Key}`;
      const current = this.objects.get(id);
      if (input.IfNoneMatch === '*' && current) throw s3Error('PreconditionFailed', 412);
      if (input.IfMatch !== undefined && !current) throw s3Error('NoSuchKey', 404);
      if (input.IfMatch !== undefined && current?.etag !== input.IfMatch) throw s3Error('PreconditionFailed', 412);
      this.clock += 1;
      const etag = `"etag-${this.objects.size}-${this.now()}"`;
      this.objects.set(id, { body: String(input.Body), etag });
      return { ETag: etag };
    });
    s3.on(GetObjectCommand).callsFake((input) => {
      const found = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (!found) throw s3Error('NoSuchKey', 404);
      return { ETag: found.etag, Body: { transformToString: async () => found.body } as never };
    });
    // No lease is ever held by another execution here: a DescribeExecution would be a test's mistake.
    const sfn = mockClient(SFNClient);
    sfn.onAnyCommand().rejects(new Error('Step Functions is not scripted'));
    this.mocks = [sagemaker, runtime, eventBridge, autoScaling, s3, sfn];
    const on = <I extends object, O>(command: { name: string } & (new (input: I) => unknown), fn: (input: I) => O) =>
      sagemaker.on(command as never).callsFake((input: I) => {
        this.calls.push({ command: command.name.replace(/Command$/, ''), input: input as Record<string, unknown> });
        this.clock += 1; // every call takes a tick, so creation times differ
        const sameOperation = this.calls.filter((call) => call.command === this.calls.at(-1)?.command).length;
        if (this.script.throttleEvery > 0 && sameOperation % this.script.throttleEvery === 0) {
          throw serviceError('ThrottlingException', 'Rate exceeded');
        }
        return fn(input);
      });

    on(CreateModelCommand, (input) => {
      const name = String(input.ModelName);
      if (this.models.has(name))
        throw serviceError('ValidationException', `Cannot create already existing model "${arn('model', name)}".`);
      this.models.set(name, {
        arn: arn('model', name),
        input: input as never,
        createdAt: this.now(),
        tags: tagMap(input.Tags),
      });
      return { ModelArn: arn('model', name) };
    });
    on(DescribeModelCommand, (input) => {
      const model = this.models.get(String(input.ModelName));
      if (!model)
        throw serviceError('ValidationException', `Could not find model "${arn('model', String(input.ModelName))}".`);
      return { ...model.input, ModelArn: model.arn, CreationTime: new Date(model.createdAt) };
    });
    on(DeleteModelCommand, (input) => {
      if (!this.models.delete(String(input.ModelName))) {
        throw serviceError('ValidationException', `Could not find model "${arn('model', String(input.ModelName))}".`);
      }
      return {};
    });
    on(ListModelsCommand, (input: { NameContains?: string }) => ({
      Models: [...this.models.entries()]
        .filter(([name]) => nameContains(name, input.NameContains))
        .sort(([, a], [, b]) => b.createdAt - a.createdAt)
        .map(([name, m]) => ({ ModelName: name, ModelArn: m.arn, CreationTime: new Date(m.createdAt) })),
    }));
    on(CreateEndpointConfigCommand, (input) => {
      const name = String(input.EndpointConfigName);
      if (this.configs.has(name)) {
        throw serviceError(
          'ValidationException',
          `Cannot create already existing endpoint configuration "${arn('endpoint-config', name)}".`,
        );
      }
      for (const variant of (input.ProductionVariants ?? []) as ProductionVariant[]) {
        if (!this.models.has(String(variant.ModelName))) {
          throw serviceError(
            'ValidationException',
            `Could not find model "${arn('model', String(variant.ModelName))}".`,
          );
        }
      }
      this.configs.set(name, {
        arn: arn('endpoint-config', name),
        variants: (input.ProductionVariants ?? []) as ProductionVariant[],
        createdAt: this.now(),
        tags: tagMap(input.Tags),
      });
      return { EndpointConfigArn: arn('endpoint-config', name) };
    });
    on(DescribeEndpointConfigCommand, (input) => {
      const config = this.configs.get(String(input.EndpointConfigName));
      if (!config) {
        throw serviceError(
          'ValidationException',
          `Could not find endpoint configuration "${arn('endpoint-config', String(input.EndpointConfigName))}".`,
        );
      }
      return {
        EndpointConfigName: input.EndpointConfigName,
        EndpointConfigArn: config.arn,
        ProductionVariants: config.variants,
        CreationTime: new Date(config.createdAt),
      };
    });
    on(DeleteEndpointConfigCommand, (input) => {
      if (!this.configs.delete(String(input.EndpointConfigName))) {
        throw serviceError(
          'ValidationException',
          `Could not find endpoint configuration "${arn('endpoint-config', String(input.EndpointConfigName))}".`,
        );
      }
      return {};
    });
    on(ListEndpointConfigsCommand, (input: { NameContains?: string }) => ({
      EndpointConfigs: [...this.configs.entries()]
        .filter(([name]) => nameContains(name, input.NameContains))
        .sort(([, a], [, b]) => b.createdAt - a.createdAt)
        .map(([name, c]) => ({
          EndpointConfigName: name,
          EndpointConfigArn: c.arn,
          CreationTime: new Date(c.createdAt),
        })),
    }));
    on(CreateEndpointCommand, (input) => {
      const name = String(input.EndpointName);
      const configName = String(input.EndpointConfigName);
      if (this.endpoints.has(name))
        throw serviceError(
          'ValidationException',
          `Cannot create already existing endpoint "${arn('endpoint', name)}".`,
        );
      if (!this.configs.has(configName))
        throw serviceError(
          'ValidationException',
          `Could not find endpoint configuration "${arn('endpoint-config', configName)}".`,
        );
      this.endpoints.set(name, {
        name,
        arn: arn('endpoint', name),
        status: 'Creating',
        configName,
        settlesAt: this.now() + this.script.provisioningSeconds * 1000,
        outcome: this.script.failingConfigs.has(configName) ? 'failed' : 'in-service',
        tags: tagMap(input.Tags),
      });
      return { EndpointArn: arn('endpoint', name) };
    });
    on(UpdateEndpointCommand, (input) => {
      const endpoint = this.endpointOrThrow(String(input.EndpointName));
      this.settle(endpoint);
      if (IN_PROGRESS.has(endpoint.status)) {
        throw serviceError('ValidationException', `Cannot update in-progress endpoint "${endpoint.arn}".`);
      }
      if (endpoint.status === 'Failed') {
        throw serviceError('ValidationException', `Cannot update failed endpoint "${endpoint.arn}".`);
      }
      const configName = String(input.EndpointConfigName);
      if (!this.configs.has(configName)) {
        throw serviceError(
          'ValidationException',
          `Could not find endpoint configuration "${arn('endpoint-config', configName)}".`,
        );
      }
      endpoint.status = 'Updating';
      endpoint.pendingConfigName = configName;
      delete endpoint.failureReason;
      endpoint.settlesAt = this.now() + this.script.provisioningSeconds * 1000;
      endpoint.outcome = this.script.failingConfigs.has(configName) ? 'silent-rollback' : 'in-service';
      return { EndpointArn: endpoint.arn };
    });
    on(DescribeEndpointCommand, (input) => {
      const endpoint = this.endpointOrThrow(String(input.EndpointName));
      this.settle(endpoint);
      return {
        EndpointName: endpoint.name,
        EndpointArn: endpoint.arn,
        EndpointStatus: endpoint.status,
        EndpointConfigName: endpoint.configName,
        ...(endpoint.failureReason ? { FailureReason: endpoint.failureReason } : {}),
        ...(endpoint.pendingConfigName
          ? { PendingDeploymentSummary: { EndpointConfigName: endpoint.pendingConfigName } }
          : {}),
      };
    });
    on(DeleteEndpointCommand, (input) => {
      const endpoint = this.endpointOrThrow(String(input.EndpointName));
      this.settle(endpoint);
      // SageMaker answers an in-progress delete with the same message as an in-progress update.
      if (IN_PROGRESS.has(endpoint.status)) {
        throw serviceError('ValidationException', `Cannot update in-progress endpoint "${endpoint.arn}".`);
      }
      this.endpoints.delete(endpoint.name);
      return {};
    });
    on(AddTagsCommand, (input) => {
      const target = this.taggable(String(input.ResourceArn));
      Object.assign(target, tagMap(input.Tags));
      return { Tags: input.Tags };
    });
    on(ListTagsCommand, (input) => ({
      Tags: Object.entries(this.taggable(String(input.ResourceArn))).map(([Key, Value]) => ({ Key, Value })),
    }));

    runtime.on(InvokeEndpointCommand).callsFake((input) => {
      const endpoint = this.endpoints.get(String(input.EndpointName));
      if (!endpoint || endpoint.status === 'Creating' || endpoint.status === 'Failed') {
        throw serviceError('ValidationError', `Endpoint ${input.EndpointName} of account ${ACCOUNT} not found.`);
      }
      const model = this.configs.get(endpoint.configName)?.variants[0]?.ModelName ?? 'unknown';
      this.invocations.push({ endpoint: endpoint.name, model });
      const answer = this.script.answers(model, new TextDecoder().decode(input.Body as Uint8Array));
      if (answer.status !== 200) {
        throw new ModelError({
          message: `Received server error (${answer.status}) from primary with message "${answer.body}".`,
          $metadata: { httpStatusCode: 424 },
          OriginalStatusCode: answer.status,
          OriginalMessage: answer.body,
        });
      }
      return { Body: new TextEncoder().encode(answer.body) as never, ContentType: 'application/json' };
    });
    eventBridge.on(PutEventsCommand).callsFake((input) => {
      if (this.script.rejectEvents) {
        return { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'rejected' }] };
      }
      for (const entry of input.Entries ?? []) {
        this.events.push({
          DetailType: String(entry.DetailType),
          Detail: JSON.parse(String(entry.Detail)) as Record<string, unknown>,
          Source: String(entry.Source),
          EventBusName: String(entry.EventBusName),
        });
      }
      return {
        FailedEntryCount: 0,
        Entries: (input.Entries ?? []).map((_: unknown, i: number) => ({ EventId: `event-${i}` })),
      };
    });
  }

  /** The current time of the scripted cloud: the (possibly faked) wall clock. */
  now(): number {
    return Date.now() + this.clock;
  }

  /** Moves the scripted cloud's clock on, as if `seconds` had passed. */
  advance(seconds: number): void {
    this.clock += seconds * 1000;
  }

  /** Seeds an endpoint that is already InService on a config (and its model). */
  seedEndpoint(name: string, configName: string, modelName: string, status = 'InService') {
    this.models.set(modelName, {
      arn: arn('model', modelName),
      input: {
        ModelName: modelName,
        PrimaryContainer: { Image: 'seed' },
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/seed',
      },
      createdAt: this.now(),
      tags: {},
    });
    this.configs.set(configName, {
      arn: arn('endpoint-config', configName),
      variants: [
        { VariantName: 'AllTraffic', ModelName: modelName, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
      createdAt: this.now(),
      tags: {},
    });
    this.endpoints.set(name, {
      name,
      arn: arn('endpoint', name),
      status,
      configName,
      settlesAt: this.now(),
      outcome: 'in-service',
      tags: {},
    });
  }

  /** Calls of one SageMaker operation. */
  callsOf(command: string): RecordedCall[] {
    return this.calls.filter((call) => call.command === command);
  }

  restore() {
    for (const mock of this.mocks) mock.restore();
  }

  private settle(endpoint: Endpoint) {
    if (endpoint.status !== 'Creating' && endpoint.status !== 'Updating') return;
    if (this.now() < endpoint.settlesAt) return;
    if (endpoint.status === 'Creating') {
      endpoint.status = endpoint.outcome === 'failed' ? 'Failed' : 'InService';
      if (endpoint.outcome === 'failed') endpoint.failureReason = this.pingFailure(endpoint.configName);
      return;
    }
    endpoint.status = 'InService';
    if (endpoint.outcome === 'silent-rollback') {
      endpoint.failureReason = this.pingFailure(endpoint.pendingConfigName ?? endpoint.configName);
    } else if (endpoint.pendingConfigName) {
      endpoint.configName = endpoint.pendingConfigName;
    }
    delete endpoint.pendingConfigName;
  }

  /** SageMaker's FailureReason for a fleet on `configName` whose first variant never passed /ping. */
  private pingFailure(configName: string): string {
    const variant = this.configs.get(configName)?.variants[0]?.VariantName ?? 'AllTraffic';
    return `The primary container for production variant ${variant} did not pass the ping health check. Please check CloudWatch logs for this endpoint.`;
  }

  private endpointOrThrow(name: string): Endpoint {
    const endpoint = this.endpoints.get(name);
    if (!endpoint) throw serviceError('ValidationException', `Could not find endpoint "${arn('endpoint', name)}".`);
    return endpoint;
  }

  private taggable(resourceArn: string): Record<string, string> {
    for (const collection of [this.models, this.configs, this.endpoints] as const) {
      for (const resource of collection.values()) if (resource.arn === resourceArn) return resource.tags;
    }
    const kind = /:(model|endpoint-config|endpoint)\//.exec(resourceArn)?.[1];
    const label = kind === 'endpoint-config' ? 'endpoint configuration' : (kind ?? 'resource');
    throw serviceError('ValidationException', `Could not find ${label} "${resourceArn}".`);
  }
}

function tagMap(tags: unknown): Record<string, string> {
  return Object.fromEntries(((tags ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]));
}

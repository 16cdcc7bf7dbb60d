/**
 * The three SageMaker behaviours the tests use, behind one driver each, so one conformance suite can run
 * against all of them at the level of the SageMakerGateway the task cores use:
 * - the emulator (real model processes), through the AWS SDK client;
 * - ScriptedSageMaker (the emulator's core in process, manual clock, scripted fleets), through the AWS SDK client;
 * - FakeSageMaker (the same core behind the SageMakerGateway, for the task cores), directly.
 * Each driver says how time passes for it (`settle`) and how a deployment is made to fail its health check. The
 * last two are the emulator's core in process: the suite checks what the scripting and the SDK binding add.
 */
import { rmSync } from 'node:fs';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandOutput,
  SageMakerRuntimeClient,
} from '@aws-sdk/client-sagemaker-runtime';
import { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import { type EndpointDescription, type SageMakerGateway, sageMakerGateway } from '../../tasks/_shared/sagemaker.ts';
import { clients, startTestEmulator, uploadLinearModel } from '../local/emulator/helpers.ts';
import { FakeSageMaker } from '../tasks/fakes.ts';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const TRANSITIONAL = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting']);

/** One SageMaker double, as the conformance suite drives it. */
export interface SageMakerDouble {
  /** What the task cores call. */
  readonly gateway: SageMakerGateway;
  /** An AWS SDK client on the same SageMaker, for what the gateway does not ask (e.g. List* time filters). */
  readonly client: SageMakerClient;
  /** InvokeEndpoint with a CSV row of the example linear model's two features. */
  invoke(endpointName: string): Promise<InvokeEndpointCommandOutput>;
  /** An s3:// model artifact the double can host (the example linear model). */
  readonly modelDataUrl: string;
  /**
   * Endpoints created or updated on `configName` fail their health check. The emulator decides by the
   * container itself (the suite gives it a container that exits at start), so it ignores this.
   */
  failsOn(configName: string): void;
  /** Lets time pass until the endpoint is no longer Creating, Updating or Deleting; what it is then. */
  settle(endpointName: string): Promise<EndpointDescription | undefined>;
  /** Runs `call` while SageMaker throttles DescribeEndpoint on `endpointName`. */
  throttlingDescribeEndpoint<T>(endpointName: string, call: () => Promise<T>): Promise<T>;
  /** Stops servers and restores mocks. */
  stop(): Promise<void>;
}

/** The suite's invocation: one CSV row of the example linear model's two features. */
function invocation(endpointName: string): InvokeEndpointCommand {
  return new InvokeEndpointCommand({ EndpointName: endpointName, ContentType: 'text/csv', Body: '1,2' });
}

/** How a double is started. */
interface DoubleFactory {
  readonly name: string;
  start(): Promise<SageMakerDouble>;
}

/** The emulator on a temp state dir; time passes for real, so `settle` polls with a deadline. */
const emulator: DoubleFactory = {
  name: 'emulator',
  async start() {
    const server = await startTestEmulator({ startupTimeoutSeconds: 10 });
    const { s3 } = clients(server.url);
    const modelDataUrl = await uploadLinearModel(s3, 'conformance', 'linear/model.tar.gz', [2, 3], 1);
    // One attempt: a throttled call surfaces at once instead of after the SDK's backoff.
    const client = new SageMakerClient({ endpoint: server.url, region: REGION, credentials, maxAttempts: 1 });
    const runtime = new SageMakerRuntimeClient({ endpoint: server.url, region: REGION, credentials, maxAttempts: 1 });
    const gateway = sageMakerGateway(client);
    return {
      gateway,
      client,
      invoke: (endpointName) => runtime.send(invocation(endpointName)),
      modelDataUrl,
      failsOn() {},
      async settle(endpointName) {
        const deadline = Date.now() + 15_000;
        for (;;) {
          const endpoint = await gateway.describeEndpoint(endpointName);
          if (endpoint === undefined || !TRANSITIONAL.has(endpoint.status)) return endpoint;
          if (Date.now() > deadline) throw new Error(`${endpointName} still ${endpoint.status} after 15 s`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
      async throttlingDescribeEndpoint(_endpointName, call) {
        server.setFaults({ throttle: { rate: 1, operations: ['DescribeEndpoint'] } });
        try {
          return await call();
        } finally {
          server.setFaults({});
        }
      },
      async stop() {
        client.destroy();
        runtime.destroy();
        await server.stop();
        rmSync(server.stateDir, { recursive: true, force: true });
      },
    };
  },
};

/** The emulator's core in process (ScriptedSageMaker), provisioning 10 and deleting 1 minute of its clock. */
const scripted: DoubleFactory = {
  name: 'ScriptedSageMaker',
  async start() {
    const aws = new ScriptedSageMaker({ script: { provisioningSeconds: 600, deletingSeconds: 60 } });
    const client = aws.sageMakerClient(REGION);
    const runtime = aws.runtimeClient(REGION);
    const gateway = sageMakerGateway(client);
    return {
      gateway,
      client,
      invoke: (endpointName) => runtime.send(invocation(endpointName)),
      modelDataUrl: 's3://conformance/linear/model.tar.gz',
      failsOn(configName) {
        aws.script.failingConfigs.add(configName);
      },
      async settle(endpointName) {
        await aws.advance(aws.script.provisioningSeconds + aws.script.deletingSeconds);
        return gateway.describeEndpoint(endpointName);
      },
      async throttlingDescribeEndpoint(_endpointName, call) {
        aws.setFaults({ throttle: { rate: 1, operations: ['DescribeEndpoint'] } });
        try {
          return await call();
        } finally {
          aws.setFaults({});
        }
      },
      async stop() {},
    };
  },
};

/** FakeSageMaker (the core at the SageMakerGateway, no SDK client) with the scripted double's times. */
const fake: DoubleFactory = {
  name: 'FakeSageMaker',
  async start() {
    const sagemaker = new FakeSageMaker();
    const { script } = sagemaker.scripted;
    script.provisioningSeconds = 600;
    script.deletingSeconds = 60;
    const runtime = sagemaker.scripted.runtimeClient(REGION);
    return {
      gateway: sagemaker,
      client: sagemaker.scripted.sageMakerClient(REGION),
      invoke: (endpointName) => runtime.send(invocation(endpointName)),
      modelDataUrl: 's3://conformance/linear/model.tar.gz',
      failsOn(configName) {
        script.failingConfigs.add(configName);
      },
      async settle(endpointName) {
        await sagemaker.scripted.advance(script.provisioningSeconds + script.deletingSeconds);
        return sagemaker.describeEndpoint(endpointName);
      },
      async throttlingDescribeEndpoint(_endpointName, call) {
        sagemaker.scripted.setFaults({ throttle: { rate: 1, operations: ['DescribeEndpoint'] } });
        try {
          return await call();
        } finally {
          sagemaker.scripted.setFaults({});
        }
      },
      async stop() {},
    };
  },
};

/** Every double the tests use; each must pass the conformance suite. */
export const DOUBLES: readonly DoubleFactory[] = [emulator, scripted, fake];

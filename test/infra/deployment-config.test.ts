/**
 * The deployment config file: buildApp reads it (the example, examples/smwf.config.json) into the stack's
 * schedules and Model Registry rules, cdk-nag checks the result, and a bad file stops synthesis naming the file,
 * the field and what was expected.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TASK_TAG_KEY } from '../../contracts/resource-tags.ts';
import { buildApp } from '../../infra/build-app.ts';
import {
  CONFIG_ENV,
  DEFAULT_CONFIG_FILE,
  deploymentConfigPath,
  loadDeploymentConfig,
} from '../../infra/deployment-config/load.ts';
import { projectRoot } from '../../infra/project-root.ts';
import { localStateMachineArn, resolveIntrinsics } from '../../local/runner/synthesize.ts';
import { TASKS } from '../../tasks/registry.ts';

/** A config document as JSON, edited in place by the cases. */
// biome-ignore lint/suspicious/noExplicitAny: the cases reach into the example's JSON at paths they name.
type Doc = Record<string, any>;

const EXAMPLE = join(projectRoot, 'examples', 'smwf.config.json');
const scratch = mkdtempSync(join(tmpdir(), 'smwf-config-test-'));

let template: Template;

/** Writes `config` (the example with `change` applied) to a file of its own and returns its path. */
function configFile(name: string, change: (config: Doc) => void): string {
  const config = loadExampleJson();
  change(config);
  const path = join(scratch, `${name}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

function loadExampleJson(): Doc {
  return JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Doc;
}

type Statement = { Action: unknown; Resource: unknown };
const statements = () =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => (p.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
  );
const idOf = (type: string, prefix: string) =>
  Object.keys(template.findResources(type)).find((id) => id.startsWith(prefix)) as string;

let synthOutdir = '';

/** PackageModel's memory in the synthesized config: not the registry's, so that the template shows it was taken. */
const PACKAGE_MODEL_MEMORY_MB = 3538;

beforeAll(() => {
  // The stack is synthesized once (a synthesis takes seconds): from the example, with a PackageModel memory added.
  // cdk-nag runs too: a finding on the rule, the dispatcher or its queue fails the synthesis.
  const config = configFile('example-with-package-model-memory', (c) => {
    c.packageModelMemoryMb = PACKAGE_MODEL_MEMORY_MB;
  });
  synthOutdir = mkdtempSync(join(tmpdir(), 'smwf-config-synth-'));
  const { app, stack } = buildApp({ skipBundling: true, outdir: synthOutdir, deploymentConfig: config });
  template = Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template as Record<string, unknown>);
});

describe('a stack built from the deployment config file', () => {
  it('passes the cdk-nag AwsSolutions checks with the example config', () => {
    const report = JSON.parse(readFileSync(join(synthOutdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
    };
    expect(report.pluginReports.length).toBeGreaterThan(0);
    for (const plugin of report.pluginReports) {
      expect(plugin, plugin.pluginName).toMatchObject({ conclusion: 'success', violations: [] });
    }
  });

  it('deploys PackageModel with the configured memory, which sets its vCPUs, and the other functions as registered', () => {
    const memoryOf = (task: string) =>
      (Object.values(template.findResources('AWS::Lambda::Function')) as Doc[]).find((fn) =>
        (fn.Properties.Tags ?? []).some((tag: Doc) => tag.Key === TASK_TAG_KEY && tag.Value === task),
      )?.Properties.MemorySize;
    expect(memoryOf('PackageModel')).toBe(PACKAGE_MODEL_MEMORY_MB);
    expect(memoryOf('CopyUncompressedModel')).toBe(TASKS.CopyUncompressedModel.memoryMb);
    // Without the setting, the registry's: Lambda's maximum, 6 vCPUs.
    expect(TASKS.PackageModel.memoryMb).toBe(10_240);
  });

  it('follows each configured group with a rule on its approval decisions (a raw pattern)', () => {
    // The group's rule, the execution cleanup's and the two of the event-driven waits.
    template.resourceCountIs('AWS::Events::Rule', 4);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: ['churn'], ModelApprovalStatus: ['Approved', 'Rejected'] },
      },
    });
  });

  it('targets the dispatcher with the whole event and the group settings, retries, and a dead-letter queue', () => {
    const dispatcher = idOf('AWS::Lambda::Function', 'TasksModelPackageEvents');
    const queue = idOf('AWS::SQS::Queue', 'ModelPackageEventDeadLetters');
    const rule = template.findResources('AWS::Events::Rule')[idOf('AWS::Events::Rule', 'ModelPackageRule')];
    const [target] = (rule as Doc).Properties.Targets as Doc[];

    expect(target?.Arn).toEqual({ 'Fn::GetAtt': [dispatcher, 'Arn'] });
    expect(target?.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [queue, 'Arn'] } });
    expect(target?.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 });
    const paths = target?.InputTransformer.InputPathsMap as Record<string, string>;
    const [field] = Object.entries(paths).find(([, path]) => path === '$') ?? [];
    const rendered = JSON.parse(String(target?.InputTransformer.InputTemplate).replace(`<${field}>`, '{}'));
    expect(rendered).toMatchObject({
      group: 'churn',
      event: {},
      deployment: { endpointName: 'churn-predictor', retainVersions: 3, onFailure: 'rollback' },
    });
  });

  it('alarms when an event lands in the dead-letter queue', () => {
    const queue = idOf('AWS::SQS::Queue', 'ModelPackageEventDeadLetters');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
    });
  });

  it('lets the dispatcher start only DeployApprovedModelPackage, and gives it a dead-letter queue of its own failures', () => {
    const stateMachine = idOf('AWS::StepFunctions::StateMachine', 'DeployApprovedModelPackage');
    const starts = statements().filter((s) => [s.Action].flat().includes('states:StartExecution'));
    expect(starts.map((s) => s.Resource)).toContainEqual({ Ref: stateMachine });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STATE_MACHINE_ARN: { Ref: stateMachine } }) },
      DeadLetterConfig: { TargetArn: Match.anyValue() },
    });
  });

  it('gives the dispatcher, in local runs, the ARN the local runner runs DeployApprovedModelPackage under', () => {
    const identity = { account: '123456789012', region: 'us-east-1' };
    const resources = template.toJSON().Resources as Parameters<typeof resolveIntrinsics>[1];
    const dispatcher = resources[idOf('AWS::Lambda::Function', 'TasksModelPackageEvents')];
    const environment = resolveIntrinsics(dispatcher?.Properties?.Environment, resources, identity);

    expect(environment).toMatchObject({
      Variables: { STATE_MACHINE_ARN: localStateMachineArn('DeployApprovedModelPackage', identity) },
    });
  });

  it('creates the configured BatchTransform schedules, and takes the prefix and buckets', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
    });
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule')) as Doc[];
    const scheduleInput = JSON.parse(String(schedule?.Properties.Target.Input));
    expect(scheduleInput).toMatchObject({ scheduleName: 'nightly-churn', model: { name: 'churn-model' } });
    expect(JSON.stringify(statements())).toContain(':endpoint/churn*');
    expect(JSON.stringify(statements())).toContain('scoring-data');
    // The SageMaker execution role notifies only the topics named with the prefix (async endpoints).
    const publishes = statements().filter((s) => [s.Action].flat().includes('sns:Publish'));
    expect(publishes).toHaveLength(1);
    expect(JSON.stringify(publishes[0]?.Resource)).toMatch(/:sns:.*:churn\*"/);
  });
});

describe('loadDeploymentConfig', () => {
  it.each([
    [
      'a schedule expression that is no Scheduler expression',
      (c: Doc) => {
        c.batchTransformSchedules[0].expression = '0 3 * * *';
      },
      'batchTransformSchedules[0].expression: expected cron(...), rate(...) or at(...)',
    ],
    [
      'an unknown time zone',
      (c: Doc) => {
        c.batchTransformSchedules[0].timeZone = 'Europe/Lyon';
      },
      'batchTransformSchedules[0].timeZone: expected an IANA time zone name',
    ],
    [
      'a group endpoint outside the resource name prefix',
      (c: Doc) => {
        c.modelPackageGroups.churn.endpointName = 'fraud-predictor';
      },
      'modelPackageGroups.churn.endpointName: expected a name starting with the resourceNamePrefix "churn"',
    ],
    [
      'two groups deploying to one endpoint',
      (c: Doc) => {
        c.modelPackageGroups['churn-b'] = c.modelPackageGroups.churn;
      },
      'modelPackageGroups.churn-b.endpointName: expected an endpoint of its own; group churn deploys to churn-predictor too',
    ],
    [
      'a group name with an underscore',
      (c: Doc) => {
        c.modelPackageGroups.churn_model = c.modelPackageGroups.churn;
        delete c.modelPackageGroups.churn;
      },
      'modelPackageGroups.churn_model: Invalid key in record (expected 1-63 letters, digits or hyphens',
    ],
    [
      'a canary over half of the capacity',
      (c: Doc) => {
        c.modelPackageGroups.churn.deployment.blueGreen.trafficRouting.canarySize.value = 60;
      },
      'modelPackageGroups.churn.deployment.blueGreen.trafficRouting.canarySize: expected at most 50% of capacity',
    ],
    [
      'a batch data bucket that cannot exist',
      (c: Doc) => {
        c.batchDataBucketNames = ['Scoring_Data'];
      },
      'batchDataBucketNames[0]: S3 bucket names hold only lowercase letters',
    ],
    [
      'a schedule input with its own scheduled time',
      (c: Doc) => {
        c.batchTransformSchedules[0].input.scheduledTime = '2026-11-25T03:00:00Z';
      },
      'batchTransformSchedules[0].input.scheduledTime: expected none: the schedule passes the time of each run',
    ],
    [
      'a PackageModel memory above Lambda’s maximum',
      (c: Doc) => {
        c.packageModelMemoryMb = 10_241;
      },
      "packageModelMemoryMb: expected at most 10240 MB (Lambda's maximum)",
    ],
    [
      'a PackageModel memory below what it needs',
      (c: Doc) => {
        c.packageModelMemoryMb = 256;
      },
      "packageModelMemoryMb: expected at least 512 MB (room for PackageModel's own peak of 256 MB)",
    ],
    [
      'an unknown key',
      (c: Doc) => {
        c.schedules = [];
      },
      'Unrecognized key: "schedules"',
    ],
  ])('refuses %s, naming the file, the field and what was expected', (_case, change, message) => {
    const path = configFile(_case.replaceAll(' ', '-'), change);

    expect(() => loadDeploymentConfig(path)).toThrow(`Invalid deployment config ${path}: `);
    expect(() => loadDeploymentConfig(path)).toThrow(message);
  });

  it('accepts the registry demo’s config (smwf demo --registry), which follows one group', () => {
    const config = loadDeploymentConfig(join(projectRoot, 'examples', 'smwf.registry-demo.config.json'));
    expect(Object.keys(config.modelPackageGroups ?? {})).toEqual(['smwf-demo-churn']);
    expect(config.modelPackageGroups?.['smwf-demo-churn']?.endpointName).toBe('smwf-demo-registry');
  });

  it('refuses a file that is not JSON, naming it', () => {
    const path = join(scratch, 'broken.json');
    writeFileSync(path, '{ "modelPackageGroups": ');

    expect(() => loadDeploymentConfig(path)).toThrow(`Deployment config ${path} is not JSON`);
  });

  it('fails synthesis on a bad file, naming it and the field', () => {
    const path = configFile('bad-synth', (c) => {
      c.modelPackageGroups.churn.retainVersions = 0;
    });

    expect(() => buildApp({ skipBundling: true, nag: false, deploymentConfig: path })).toThrow(
      /Invalid deployment config .*bad-synth\.json: modelPackageGroups\.churn\.retainVersions: Too small/,
    );
  });

  it('fails synthesis when a group has more settings than a rule target input template holds', () => {
    const path = configFile('big-settings', (c) => {
      c.modelPackageGroups.churn.healthCheck.samples[0].body = '1,2'.repeat(2500);
    });

    expect(() => buildApp({ skipBundling: true, nag: false, deploymentConfig: path })).toThrow(
      /modelPackageGroups\.churn: its settings take \d+ characters of JSON; at most 7000 fit in an EventBridge input template/,
    );
  });

  it('refuses a PackageModel memory Lambda would refuse when the stack is built without the file', () => {
    expect(() =>
      buildApp({
        skipBundling: true,
        nag: false,
        deploymentConfig: false,
        stackProps: { packageModelMemoryMb: 20_480 },
      }),
    ).toThrow('packageModelMemoryMb must be a whole number of MB from 512 to 10240, got 20480');
  });

  it('fails synthesis when the named file does not exist', () => {
    const path = join(scratch, 'missing.json');

    expect(() => buildApp({ skipBundling: true, nag: false, deploymentConfig: path })).toThrow(
      `Deployment config ${path} cannot be read`,
    );
  });
});

describe('deploymentConfigPath', () => {
  it('prefers the CDK context, then SMWF_CONFIG, then the project root file when it exists', () => {
    const env = { [CONFIG_ENV]: '/etc/smwf/env.json' };

    expect(deploymentConfigPath('/etc/smwf/context.json', env)).toBe('/etc/smwf/context.json');
    expect(deploymentConfigPath(undefined, env)).toBe('/etc/smwf/env.json');
    expect(deploymentConfigPath(undefined, {})).toBe(
      existsSync(join(projectRoot, DEFAULT_CONFIG_FILE)) ? join(projectRoot, DEFAULT_CONFIG_FILE) : undefined,
    );
  });
});

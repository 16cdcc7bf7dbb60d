import { describe, expect, it } from 'vitest';
import {
  InvalidTargetInputError,
  ruleTargetInput,
  schedulerTargetInput,
  validateRuleTargetInput,
} from '../../../local/triggers/input-transform.ts';

const event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'SageMaker Model Package State Change',
  source: 'aws.sagemaker',
  time: '2026-12-01T10:00:00Z',
  resources: ['arn:pkg/1'],
  detail: { ModelPackageGroupName: 'churn', ModelPackageVersion: 3, Quote: 'say "hi"', Items: [{ a: 1 }] },
};
const rule = { name: 'follow-churn', arn: 'arn:aws:events:us-east-1:123456789012:rule/follow-churn' };
const ingestion = new Date('2026-12-01T10:00:01.500Z');

describe('rule target input', () => {
  it('is the whole event by default, the constant Input, or the part at InputPath', () => {
    expect(JSON.parse(ruleTargetInput({}, event, rule, ingestion))).toEqual(event);
    expect(ruleTargetInput({ Input: '{"fixed":true}' }, event, rule, ingestion)).toBe('{"fixed":true}');
    expect(JSON.parse(ruleTargetInput({ InputPath: '$.detail' }, event, rule, ingestion))).toEqual(event.detail);
    expect(JSON.parse(ruleTargetInput({ InputPath: '$.resources[0]' }, event, rule, ingestion))).toBe('arn:pkg/1');
    expect(JSON.parse(ruleTargetInput({ InputPath: '$.detail.Items[0].a' }, event, rule, ingestion))).toBe(1);
  });

  it('substitutes variables as JSON outside quotes and as escaped text inside them', () => {
    const text = ruleTargetInput(
      {
        InputTransformer: {
          InputPathsMap: {
            group: '$.detail.ModelPackageGroupName',
            version: '$.detail.ModelPackageVersion',
            quote: '$.detail.Quote',
            items: '$.detail.Items',
          },
          InputTemplate:
            '{"group": <group>, "label": "<group> v<version>", "version": <version>, "quote": "<quote>", "items": <items>}',
        },
      },
      event,
      rule,
      ingestion,
    );
    expect(JSON.parse(text)).toEqual({
      group: 'churn',
      label: 'churn v3',
      version: 3,
      quote: 'say "hi"',
      items: [{ a: 1 }],
    });
  });

  it('fills the predefined variables: the event with and without detail, the rule, the ingestion time', () => {
    const text = ruleTargetInput(
      {
        InputTransformer: {
          InputTemplate:
            '{"full": <aws.events.event.json>, "envelope": <aws.events.event>, "rule": "<aws.events.rule-name>", "arn": "<aws.events.rule-arn>", "at": "<aws.events.event.ingestion-time>"}',
        },
      },
      event,
      rule,
      ingestion,
    );
    const { detail: _detail, ...envelope } = event;
    expect(JSON.parse(text)).toEqual({
      full: event,
      envelope,
      rule: rule.name,
      arn: rule.arn,
      at: '2026-12-01T10:00:01Z',
    });
  });

  it('builds a plain string template, and a path missing from the event gives null (nothing inside quotes)', () => {
    const transformer = {
      InputPathsMap: { group: '$.detail.ModelPackageGroupName', missing: '$.detail.Nope' },
      InputTemplate: '"<group> changed (<missing>)"',
    };
    expect(JSON.parse(ruleTargetInput({ InputTransformer: transformer }, event, rule, ingestion))).toBe(
      'churn changed ()',
    );
    const json = ruleTargetInput(
      { InputTransformer: { InputPathsMap: { missing: '$.detail.Nope' }, InputTemplate: '{"m": <missing>}' } },
      event,
      rule,
      ingestion,
    );
    expect(JSON.parse(json)).toEqual({ m: null });
  });

  it("the way CDK writes RuleTargetInput.fromObject({ event: EventField.fromPath('$'), ... })", () => {
    const text = ruleTargetInput(
      {
        InputTransformer: {
          InputPathsMap: { f1: '$' },
          InputTemplate: '{"event":<f1>,"deployment":{"endpointName":"churn"}}',
        },
      },
      event,
      rule,
      ingestion,
    );
    expect(JSON.parse(text)).toEqual({ event, deployment: { endpointName: 'churn' } });
  });

  it('refuses settings PutTargets refuses, and JSON paths the emulator does not evaluate', () => {
    const check = (target: object) => () => validateRuleTargetInput(target as never, 'Rule r target t');
    expect(check({ Input: '{}', InputPath: '$' })).toThrow(/only one of Input, InputPath/);
    expect(check({ Input: '{oops' })).toThrow(/Input must be valid JSON/);
    expect(check({ InputPath: 'detail' })).toThrow(/must start with \$/);
    expect(check({ InputPath: '$.detail[*]' })).toThrow(/wildcards are not emulated/);
    expect(
      check({ InputTransformer: { InputPathsMap: { 'aws.events.rule-name': '$' }, InputTemplate: '{}' } }),
    ).toThrow(InvalidTargetInputError);
  });
});

describe('Scheduler context attributes', () => {
  it('substitutes the scheduled time, execution id, attempt number and schedule ARN', () => {
    const text = schedulerTargetInput(
      '{"t":"<aws.scheduler.scheduled-time>","id":"<aws.scheduler.execution-id>","n":"<aws.scheduler.attempt-number>","s":"<aws.scheduler.schedule-arn>","keep":"<other>"}',
      {
        scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly',
        scheduledTime: new Date('2026-12-02T03:00:00Z'),
        executionId: 'abc',
        attemptNumber: 2,
      },
    );
    expect(JSON.parse(text)).toEqual({
      t: '2026-12-02T03:00:00Z',
      id: 'abc',
      n: '2',
      s: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly',
      keep: '<other>',
    });
  });
});

import { Duration } from 'aws-cdk-lib';
import { BatchTransformInput } from '../../contracts/parts/batch-transform.ts';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { BatchTransformStates, batchTransformDefinition } from './definition.ts';

/** BatchTransform: one scheduled (or on-demand) transform job per scheduled time, with its outputs verified. */
export const batchTransform = {
  name: 'BatchTransform',
  description: "run one transform job for a schedule's time (or skip when there is no input) and verify every output",
  input: BatchTransformInput,
  example: {
    scheduleName: 'churn-nightly',
    scheduledTime: '2026-11-25T03:00:00Z',
    model: {
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1',
      modelDataUrl: 's3://my-model-artifacts/churn/2026-11-25.1/model.tar.gz',
    },
    input: { s3Prefix: 's3://scoring/in/{yyyy}/{MM}/{dd}/', contentType: 'text/csv', splitType: 'Line' },
    output: { s3Prefix: 's3://scoring/out/{yyyy}/{MM}/{dd}/', accept: 'text/csv', assembleWith: 'Line' },
    batchStrategy: 'MultiRecord',
    maxPayloadInMB: 6,
    maxConcurrentTransforms: 4,
    dataProcessing: { inputFilter: '$[1:]', joinSource: 'Input', outputFilter: '$[0,-1]' },
    instanceType: 'ml.m5.xlarge',
    instanceCount: 1,
  },
  // The job's wait deadline (at most two days) and the steps around it.
  timeout: Duration.hours(50),
  folder: folderOf(import.meta.url),
  states: BatchTransformStates,
  build: batchTransformDefinition,
} as const satisfies WorkflowDefinition<'BatchTransform', typeof BatchTransformInput>;

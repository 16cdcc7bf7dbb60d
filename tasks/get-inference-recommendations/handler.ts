import { DescribeInferenceRecommendationsJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { callSageMaker } from '../_shared/sagemaker.ts';
import { GetInferenceRecommendationsState, getInferenceRecommendations } from './get-inference-recommendations.ts';

const client = new SageMakerClient({});

/** Lambda entry of the GetInferenceRecommendations step. */
export const handler = stepHandler(GetInferenceRecommendationsState, 'GetInferenceRecommendations', (state) =>
  getInferenceRecommendations(state, {
    async describeJob(jobName) {
      const out = await callSageMaker('DescribeInferenceRecommendationsJob', () =>
        client.send(new DescribeInferenceRecommendationsJobCommand({ JobName: jobName })),
      );
      return {
        status: out.Status ?? 'PENDING',
        failureReason: out.FailureReason,
        recommendations: (out.InferenceRecommendations ?? []).map((r) => ({
          instanceType: r.EndpointConfiguration?.InstanceType,
          initialInstanceCount: r.EndpointConfiguration?.InitialInstanceCount,
          serverlessMemorySizeInMB: r.EndpointConfiguration?.ServerlessConfig?.MemorySizeInMB,
          environment: Object.fromEntries(
            (r.ModelConfiguration?.EnvironmentParameters ?? []).map((p) => [p.Key ?? '', p.Value ?? '']),
          ),
          maxInvocations: r.Metrics?.MaxInvocations,
          modelLatencyMs: r.Metrics?.ModelLatency,
          cpuUtilization: r.Metrics?.CpuUtilization,
          memoryUtilization: r.Metrics?.MemoryUtilization,
        })),
      };
    },
  }),
);

/** How a run learns whether another execution (an endpoint lease's holder) still runs: DescribeExecution. */
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';

/** The status of a lease holder's execution. */
export interface ExecutionStatuses {
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE; undefined when no such execution exists. */
  status(executionArn: string): Promise<string | undefined>;
}

/** Execution statuses from Step Functions (locally: the local Step Functions API, AWS_ENDPOINT_URL_SFN). */
export function stepFunctionsStatuses(sfn: SFNClient): ExecutionStatuses {
  return {
    async status(executionArn) {
      try {
        const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return out.status ?? 'UNKNOWN';
      } catch (error) {
        // A holder that does not exist (or whose ARN is not one) is not running.
        if (error instanceof Error && (error.name === 'ExecutionDoesNotExist' || error.name === 'InvalidArn')) {
          return undefined;
        }
        throw error;
      }
    },
  };
}

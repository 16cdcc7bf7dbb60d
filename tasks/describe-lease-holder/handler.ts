import { SFNClient } from '@aws-sdk/client-sfn';
import { stepFunctionsStatuses } from '../_shared/execution-statuses.ts';
import { stepHandler } from '../_shared/handler.ts';
import { DescribeLeaseHolderState, describeLeaseHolder } from './describe-lease-holder.ts';

const executions = stepFunctionsStatuses(new SFNClient({}));

/** Lambda entry of the DescribeLeaseHolder step. */
export const handler = stepHandler(DescribeLeaseHolderState, 'DescribeLeaseHolder', (state) =>
  describeLeaseHolder(state, { executions, now: () => new Date() }),
);

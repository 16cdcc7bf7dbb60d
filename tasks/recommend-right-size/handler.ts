import { stepHandler } from '../_shared/handler.ts';
import { RecommendRightSizeState, recommendRightSize } from './recommend-right-size.ts';

/** Lambda entry of the RecommendRightSize step. */
export const handler = stepHandler(RecommendRightSizeState, 'RecommendRightSize', (state) =>
  recommendRightSize(state, {
    region: process.env.AWS_REGION ?? 'us-east-1',
    local: process.env.AWS_ENDPOINT_URL !== undefined,
  }),
);

import { stepHandler } from '../_shared/handler.ts';
import { PrepareCandidateState, prepareCandidate } from './prepare-candidate.ts';

/** Lambda entry of the PrepareCandidate step. */
export const handler = stepHandler(PrepareCandidateState, 'PrepareCandidate', prepareCandidate);

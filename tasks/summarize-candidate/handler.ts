import { stepHandler } from '../_shared/handler.ts';
import { SummarizeCandidateState, summarizeCandidate } from './summarize-candidate.ts';

/** Lambda entry of the SummarizeCandidate step. */
export const handler = stepHandler(SummarizeCandidateState, 'SummarizeCandidate', summarizeCandidate);

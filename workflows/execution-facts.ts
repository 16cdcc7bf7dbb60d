/** Contract pieces every workflow shares: facts from the execution's context object, and a first-state payload. */
import { z } from 'zod';

/** The execution a state document belongs to, from the Step Functions context object. */
export const ExecutionFacts = z.object({ id: z.string(), name: z.string(), startedAt: z.string() });

/** The payload a workflow's first state receives: the raw execution input plus the execution facts. */
export const FirstStateEvent = z.object({ input: z.unknown(), execution: ExecutionFacts });

export type ExecutionFacts = z.output<typeof ExecutionFacts>;

/**
 * The LoadTestEndpoint contract: a load test of an existing endpoint (contracts/parts/load-test.ts) and the typed
 * confirmation that is the first half of the live-traffic guard: `confirmEndpointName` must repeat `endpointName`,
 * so that load is aimed at an endpoint only on purpose, never by a copied example or a stale input.
 */
import * as z from 'zod/mini';
import { loadTestRequestWith } from '../../contracts/parts/load-test.ts';

/** The execution input of LoadTestEndpoint. */
export const LoadTestEndpointInput = loadTestRequestWith({
  /** The endpoint's name once more: load goes only to an endpoint named twice. */
  confirmEndpointName: z.string(),
}).check(
  z.refine((input) => input.confirmEndpointName === input.endpointName, {
    path: ['confirmEndpointName'],
    message:
      'expected the same name as endpointName: a load test sends real traffic, so it runs only on an endpoint named twice',
  }),
);

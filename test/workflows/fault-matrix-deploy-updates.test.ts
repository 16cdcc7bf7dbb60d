/**
 * The fault matrix (test/workflows/fault-matrix-suite.ts), its part for the deploy workflows as updates of the
 * endpoint an earlier release deployed.
 */
import { faultMatrix, UPDATE_WORKFLOWS } from './fault-matrix-suite.ts';

faultMatrix({ title: 'updates of a serving endpoint', firstRuns: [], updates: UPDATE_WORKFLOWS });

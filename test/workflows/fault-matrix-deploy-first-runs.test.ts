/**
 * The fault matrix (test/workflows/fault-matrix-suite.ts), its part for the deploy workflows that the matrix also
 * runs as updates: their first deployments.
 */
import { faultMatrix, UPDATE_WORKFLOWS } from './fault-matrix-suite.ts';

faultMatrix({ title: 'first deployments', firstRuns: UPDATE_WORKFLOWS, updates: [] });

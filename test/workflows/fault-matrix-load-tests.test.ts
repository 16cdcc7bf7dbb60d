/**
 * The fault matrix (test/workflows/fault-matrix-suite.ts), its part for the workflows that load-test an endpoint
 * (LoadTestEndpoint, RightSizeEndpoint): their load generators answered in process on simulated clocks
 * (load-in-process.ts).
 */
import { faultMatrix, LOAD_TEST_WORKFLOWS } from './fault-matrix-suite.ts';

faultMatrix({ title: 'load tests', firstRuns: LOAD_TEST_WORKFLOWS, updates: [] });

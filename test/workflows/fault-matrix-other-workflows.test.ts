/**
 * The fault matrix (test/workflows/fault-matrix-suite.ts), its part for every workflow the other parts do not run:
 * the workflows that deploy no endpoint config of their own (models, configs, components, multi-model changes,
 * packaging, batch), a new workflow included with no edit.
 */
import { WORKFLOWS } from '../../workflows/workflows.ts';
import { faultMatrix, LOAD_TEST_WORKFLOWS, UPDATE_WORKFLOWS } from './fault-matrix-suite.ts';

faultMatrix({
  title: 'the other workflows',
  firstRuns: WORKFLOWS.map((w) => w.name).filter(
    (name) => !UPDATE_WORKFLOWS.includes(name) && !LOAD_TEST_WORKFLOWS.includes(name),
  ),
  updates: [],
});

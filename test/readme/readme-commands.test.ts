/** The doc test (doc-test.ts) of the README's sessions that have no test file of their own. */
import { describeReadmeSessions } from './doc-test.ts';

describeReadmeSessions(import.meta.url);

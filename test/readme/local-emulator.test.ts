/** The doc test (doc-test.ts) of the README's "Local emulator" section, in a file of its own so it runs beside the others. */
import { describeReadmeSessions } from './doc-test.ts';

describeReadmeSessions(import.meta.url);

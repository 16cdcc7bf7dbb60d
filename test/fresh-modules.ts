/**
 * Setup of the test files that point the process's SDK clients at an emulator (vitest.config.ts, FRESH_MODULES):
 * they share worker processes, and each starts with none of the project's modules loaded, so its imports evaluate
 * them again, as in a new process: the task handlers' module-level clients are made for this file's emulator, and no
 * store, cache or counter of an earlier file's copy reaches it. Node's built-ins and node_modules stay loaded.
 */
import { vi } from 'vitest';

vi.resetModules();

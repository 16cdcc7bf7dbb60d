import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root folder: where package.json, tasks/ and workflows/ are. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The plain values of the packaging contract, without zod, so that the packaging steps can use them without
 * carrying a validation library: the contract (contracts/parts/packaging.ts) builds its rules from them.
 */

/** The framework containers whose model layout PackageModel checks (`custom` checks only that files exist). */
export const FRAMEWORKS = ['pytorch', 'tensorflow', 'mxnet', 'sklearn', 'xgboost', 'huggingface', 'custom'] as const;

/** The gzip level when none is given: gzip's own default. */
export const DEFAULT_COMPRESSION_LEVEL = 6;

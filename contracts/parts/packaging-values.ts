/**
 * The plain values of the packaging contract, without zod, so that the packaging steps can use them without
 * carrying a validation library: the contract (contracts/parts/packaging.ts) builds its rules from them.
 */

/** The framework containers whose model layout PackageModel checks (`custom` checks only that files exist). */
export const FRAMEWORKS = ['pytorch', 'tensorflow', 'mxnet', 'sklearn', 'xgboost', 'huggingface', 'custom'] as const;

/** The gzip level when none is given: gzip's own default. */
export const DEFAULT_COMPRESSION_LEVEL = 6;

/** An S3 location as `s3://bucket` or `s3://bucket/prefix`, with S3's bucket naming rules. */
export const S3_PREFIX_PATTERN = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

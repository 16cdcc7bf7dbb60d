/**
 * The credential provider the Lambda bundles use in place of the SDK's default chain (infra/bundling.ts aliases
 * `@aws-sdk/credential-provider-node` to this module). Lambda puts the execution role's credentials in the
 * environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the first place the default chain
 * looks; the rest of the chain (SSO, profiles, IMDS, web identity and their nested STS/SSO clients) is about
 * 130 KiB of every bundle that a function never reaches. Code run from source (tests, local runs) keeps the
 * full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** The SDK clients' `credentialDefaultProvider`: credentials from the environment. */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);

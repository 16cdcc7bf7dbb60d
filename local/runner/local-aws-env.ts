/**
 * Points every AWS SDK client in this process at a local emulator, the way a user would: through
 * AWS_ENDPOINT_URL, with a region and dummy credentials when none are configured (the emulator accepts any).
 */
export function useLocalEmulator(endpointUrl: string): void {
  process.env.AWS_ENDPOINT_URL = endpointUrl;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  // The emulator's ARNs are for this account; no real credentials are ever looked up.
  delete process.env.AWS_PROFILE;
}

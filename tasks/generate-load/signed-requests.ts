/**
 * InvokeEndpoint requests signed with the SDK's own SigV4 signer (`@smithy/signature-v4`), for a load generator to
 * send over its own keep-alive connections: the full SDK client costs too much per request to measure a fast model
 * (issue 19 measured it at 0.16x of plain HTTP). The request is InvokeEndpoint's REST shape (SageMaker Runtime API
 * model: POST /endpoints/{EndpointName}/invocations, the parameters as X-Amzn-SageMaker-* headers). Endpoint and
 * credentials come from where the SDK takes them: AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME or AWS_ENDPOINT_URL, else
 * `https://runtime.sagemaker.<region>.amazonaws.com` (`.com.cn` in China), the region from AWS_REGION, the
 * credentials from the default chain (in a Lambda bundle, the environment: tasks/_shared/lambda-credentials.ts).
 * A signed request is sent again for SIGNATURE_REUSE_MS, well within the five minutes SigV4 accepts a signature.
 * Locally each signing is checked against the step's IAM policy first, as the SDK's own calls are (a role without
 * sagemaker:InvokeEndpoint on the endpoint fails here, with the SDK's AccessDeniedException, before any load).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { authorizeCall } from '../_shared/local-authorization.ts';

/** How long a signed request is sent again before it is signed anew. */
export const SIGNATURE_REUSE_MS = 60_000;

/** A request ready to send: where, with which headers, and its body. */
export interface PreparedRequest {
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly port: number;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** One InvokeEndpoint request, by its API member names. */
interface InvokeEndpointRequest {
  readonly EndpointName: string;
  readonly Body: Uint8Array;
  readonly ContentType?: string | undefined;
  readonly Accept?: string | undefined;
  readonly TargetModel?: string | undefined;
  readonly TargetVariant?: string | undefined;
  readonly TargetContainerHostname?: string | undefined;
}

/** The headers InvokeEndpoint's members travel in (SageMaker Runtime API model, InvokeEndpointInput). */
const HEADERS = {
  ContentType: 'content-type',
  Accept: 'accept',
  TargetModel: 'x-amzn-sagemaker-target-model',
  TargetVariant: 'x-amzn-sagemaker-target-variant',
  TargetContainerHostname: 'x-amzn-sagemaker-target-container-hostname',
} as const;

/** Bytes of what the signer hands a hash. */
function bytesOf(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer takes. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** Where SageMaker Runtime is, as the SDK would find it. */
export function runtimeEndpoint(env: NodeJS.ProcessEnv = process.env): { url: URL; region: string } {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') throw new Error('No region: set AWS_REGION');
  const configured = env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME ?? env.AWS_ENDPOINT_URL;
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return { url: new URL(configured ?? `https://runtime.sagemaker.${region}.${suffix}`), region };
}

/** Signs InvokeEndpoint requests for the endpoint and with the credentials the SDK would use. */
export class RequestSigner {
  private readonly signer: SignatureV4;
  private readonly url: URL;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const { url, region } = runtimeEndpoint(env);
    this.url = url;
    const credentials = defaultProvider();
    let cached: Awaited<ReturnType<typeof credentials>> | undefined;
    this.signer = new SignatureV4({
      service: 'sagemaker',
      region,
      sha256: Sha256,
      // Fetched again five minutes before they expire.
      credentials: async () => {
        const expiring = cached?.expiration !== undefined && cached.expiration.getTime() - Date.now() < 300_000;
        if (cached === undefined || expiring) cached = await credentials();
        return cached;
      },
    });
  }

  /** The request for `input`, signed now (locally, once the step's IAM policy allows it: see authorizeCall). */
  async sign(input: InvokeEndpointRequest): Promise<PreparedRequest> {
    await authorizeCall('SageMakerRuntimeClient', 'InvokeEndpoint', { ...input });
    const protocol = this.url.protocol === 'http:' ? 'http:' : 'https:';
    const port = this.url.port === '' ? (protocol === 'http:' ? 80 : 443) : Number(this.url.port);
    const base = this.url.pathname.replace(/\/$/, '');
    const headers: Record<string, string> = {
      host: this.url.port === '' ? this.url.hostname : `${this.url.hostname}:${this.url.port}`,
      'content-length': String(input.Body.byteLength),
    };
    for (const [member, header] of Object.entries(HEADERS)) {
      const value = input[member as keyof typeof HEADERS];
      if (value !== undefined) headers[header] = value;
    }
    const signed = await this.signer.sign({
      method: 'POST',
      protocol,
      hostname: this.url.hostname,
      port,
      path: `${base}/endpoints/${encodeURIComponent(input.EndpointName)}/invocations`,
      headers,
      body: input.Body,
      query: {},
    });
    return {
      protocol,
      hostname: this.url.hostname,
      port,
      path: signed.path,
      headers: signed.headers,
      body: input.Body,
    };
  }
}

/**
 * InvokeEndpoint requests signed by the SDK's own SageMaker Runtime client, for a load generator to send over its
 * own keep-alive connections: the full SDK client costs too much per request to measure a fast model (issue 19
 * measured it at 0.16x of plain HTTP). The client builds, signs and checks each request through its whole
 * middleware stack (endpoint, SigV4 for the `sagemaker` signing name, credentials from the default chain, and
 * locally the runner's IAM check: a role without sagemaker:InvokeEndpoint on the endpoint fails here, before any
 * load); only its last link, the HTTP handler, hands the request back instead of sending it. Endpoint and region
 * come from where the SDK takes them: AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME or AWS_ENDPOINT_URL, else
 * `https://runtime.sagemaker.<region>.amazonaws.com` (`.com.cn` in China), the region from AWS_REGION.
 * A signed request is sent again for SIGNATURE_REUSE_MS, well within the five minutes SigV4 accepts a signature.
 */
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { HttpRequest } from '@smithy/types';

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
export interface InvokeEndpointRequest {
  readonly EndpointName: string;
  readonly Body: Uint8Array;
  readonly ContentType?: string | undefined;
  readonly Accept?: string | undefined;
  readonly TargetModel?: string | undefined;
  readonly TargetVariant?: string | undefined;
  readonly TargetContainerHostname?: string | undefined;
}

/** Where SageMaker Runtime is, as the SDK would find it. */
export function runtimeEndpoint(env: NodeJS.ProcessEnv = process.env): { url: URL; region: string } {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') throw new Error('No region: set AWS_REGION');
  const configured = env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME ?? env.AWS_ENDPOINT_URL;
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return { url: new URL(configured ?? `https://runtime.sagemaker.${region}.${suffix}`), region };
}

/** What the capturing handler throws: the request as it would have gone on the wire. */
class CapturedRequest extends Error {
  constructor(readonly request: HttpRequest) {
    super('captured, not sent');
    this.name = 'CapturedRequest';
  }
}

/** Signs InvokeEndpoint requests for the endpoint and with the credentials the SDK would use. */
export class RequestSigner {
  private readonly client: SageMakerRuntimeClient;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const { url, region } = runtimeEndpoint(env);
    this.client = new SageMakerRuntimeClient({
      region,
      endpoint: url.href,
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: HttpRequest) => {
          throw new CapturedRequest(request);
        },
      },
    });
  }

  /** The request for `input`, signed now (or the SDK's error when it may not be sent, AccessDenied among them). */
  async sign(input: InvokeEndpointRequest): Promise<PreparedRequest> {
    try {
      await this.client.send(new InvokeEndpointCommand({ ...input }));
    } catch (error) {
      if (!(error instanceof CapturedRequest)) throw error;
      const { request } = error;
      const protocol = request.protocol === 'http:' ? 'http:' : 'https:';
      const port = request.port ?? (protocol === 'http:' ? 80 : 443);
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(request.query ?? {})) {
        for (const v of Array.isArray(value) ? value : [value]) if (v !== null) query.append(name, v);
      }
      const search = query.size > 0 ? `?${query}` : '';
      return {
        protocol,
        hostname: request.hostname,
        port,
        path: `${request.path}${search}`,
        headers: request.headers,
        body: input.Body,
      };
    }
    throw new Error('the SageMaker Runtime client answered a request it was not given to send');
  }
}

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, remove, writeJsonAtomic } from '../fs-util.ts';

/** Where SNS notifications of one request go, and which of them carry the inference response. */
export interface RequestNotifications {
  successTopic?: string;
  errorTopic?: string;
  /** AsyncInferenceNotificationConfig.IncludeInferenceResponseIn. */
  includeResponseIn: string[];
}

/**
 * A request InvokeEndpointAsync accepted, as persisted until it has an outcome. Its locations and topics are
 * fixed when it is accepted (they are in the 202 answer), so an update of the endpoint does not move them.
 */
export interface AcceptedRequest {
  inferenceId: string;
  region: string;
  endpointName: string;
  inputLocation: string;
  contentType?: string;
  accept?: string;
  customAttributes?: string;
  outputLocation: string;
  failureLocation: string;
  /** Milliseconds since the epoch. */
  acceptedAt: number;
  /** Acceptance time plus RequestTTLSeconds. */
  expiresAt: number;
  invocationTimeoutSeconds: number;
  notifications: RequestNotifications;
  /** Acceptance order across restarts: the queue is first in, first out. */
  sequence: number;
}

/** The accepted requests on disk (`async-queue/` in the state directory): one file each, removed with its outcome. */
export class AcceptedRequestStore {
  constructor(private readonly dir: string) {}

  private file(request: Pick<AcceptedRequest, 'sequence' | 'inferenceId'>): string {
    // The sequence keeps names unique even when a client reuses an InferenceId.
    return join(this.dir, `${String(request.sequence).padStart(12, '0')}.json`);
  }

  /** Persists a request before it is acknowledged: what was answered 202 is never lost. */
  save(request: AcceptedRequest): Promise<void> {
    return writeJsonAtomic(this.file(request), request);
  }

  /** Forgets a request once its outcome (output or failure) is written. */
  remove(request: AcceptedRequest): Promise<void> {
    return remove(this.file(request));
  }

  /** Every request without an outcome, in acceptance order. */
  async loadAll(): Promise<AcceptedRequest[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const requests: AcceptedRequest[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const request = await readJson<AcceptedRequest>(join(this.dir, name));
      if (request) requests.push(request);
    }
    return requests.sort((a, b) => a.sequence - b.sequence);
  }
}

/**
 * MaxConcurrency of serverless variants: SageMaker serves at most MaxConcurrency invocations of a serverless
 * endpoint at once and throttles the ones beyond (DG serverless-endpoints). The answer is the runtime's
 * `ThrottlingException` with status 400, as clients report it from InvokeEndpoint (SageMaker sends no message
 * there; the text is ours, see local/emulator/README.md).
 */
import { ServiceError } from '../errors.ts';

/** What a variant without a serverless config gives back: nothing (one function for all, made once). */
const noSlot = (): void => undefined;

/** Counts the invocations in flight per serverless variant and refuses those beyond its MaxConcurrency. */
export class ServerlessConcurrency {
  /** Keyed by the variant's hosting object, so a new deployment of the endpoint starts its own count. */
  private readonly inFlight = new WeakMap<object, number>();

  /**
   * Takes one of the variant's slots and returns the function that gives it back; a variant without a serverless
   * config (`maxConcurrency` undefined) is not limited. Throws ThrottlingException when every slot is taken.
   */
  acquire(
    variant: object,
    limit: { endpointName: string; variantName: string; maxConcurrency: number | undefined },
  ): () => void {
    if (limit.maxConcurrency === undefined) return noSlot;
    const current = this.inFlight.get(variant) ?? 0;
    if (current >= limit.maxConcurrency) {
      throw new ServiceError(
        'ThrottlingException',
        `Rate exceeded: serverless variant ${limit.variantName} of endpoint ${limit.endpointName} is already processing its MaxConcurrency of ${limit.maxConcurrency} concurrent invocations.`,
        400,
      );
    }
    this.inFlight.set(variant, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight.set(variant, (this.inFlight.get(variant) ?? 1) - 1);
    };
  }
}

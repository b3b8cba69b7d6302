// Enrolment is the one unauthenticated write: a code is 16 characters of a 32-letter alphabet,
// but an address that keeps guessing is slowed down anyway. After FREE_FAILURES wrong codes,
// each further attempt must wait 2^(n - FREE_FAILURES) seconds (capped); a valid code resets.
import { RateLimitedError } from './errors';
import type { Clock } from './runtime';

const FREE_FAILURES = 5;
const MAX_WAIT_MS = 15 * 60_000;
/** Forget an address after this long without a failure. */
const FORGET_MS = 60 * 60_000;
/** Bounded memory: the oldest entries go first. */
const MAX_ADDRESSES = 10_000;

interface Entry {
  failures: number;
  lastFailure: number;
}

export class EnrolThrottle {
  private readonly byAddress = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  /** Throws RateLimitedError while this address must wait. */
  check(address: string): void {
    const e = this.entry(address);
    if (!e || e.failures < FREE_FAILURES) return;
    const wait = Math.min(MAX_WAIT_MS, 1000 * 2 ** (e.failures - FREE_FAILURES));
    const left = e.lastFailure + wait - this.clock();
    if (left > 0) {
      const s = Math.ceil(left / 1000);
      throw new RateLimitedError(`too many wrong enrolment codes from this address; try again in ${s} s`, s);
    }
  }

  failed(address: string): void {
    const e = this.entry(address) ?? { failures: 0, lastFailure: 0 };
    e.failures++;
    e.lastFailure = this.clock();
    this.byAddress.delete(address);
    this.byAddress.set(address, e);
    if (this.byAddress.size > MAX_ADDRESSES) {
      const oldest = this.byAddress.keys().next().value;
      if (oldest !== undefined) this.byAddress.delete(oldest);
    }
  }

  succeeded(address: string): void {
    this.byAddress.delete(address);
  }

  private entry(address: string): Entry | undefined {
    const e = this.byAddress.get(address);
    if (e && this.clock() - e.lastFailure > FORGET_MS) {
      this.byAddress.delete(address);
      return undefined;
    }
    return e;
  }
}

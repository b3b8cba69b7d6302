// Typed fan-out of API events from services to whichever hosts listen (Electron windows,
// web-host sockets). Payloads are validated against the contract before they leave main.
import type { z } from 'zod';
import type { Api, ApiServiceName } from '../../shared/api';
import { validateEvent } from '../../shared/api/dispatch';

export type EventName<S extends ApiServiceName> = keyof Api[S]['events'] & string;
export type EventPayload<S extends ApiServiceName, E extends EventName<S>> = z.input<Api[S]['events'][E]>;
export type EventListener = (service: string, event: string, payload: unknown) => void;

export class ApiEventBus {
  private readonly listeners = new Set<EventListener>();

  emit<S extends ApiServiceName, E extends EventName<S>>(service: S, event: E, payload: EventPayload<S, E>): void {
    const valid = validateEvent(service, event, payload);
    for (const l of this.listeners) {
      try {
        l(service, event, valid);
      } catch (err) {
        console.error(`event listener failed for ${service}.${event}:`, err);
      }
    }
  }

  listen(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

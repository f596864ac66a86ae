/** A minimal typed event emitter (browsers have no Node `events`): one payload per event. */

export type Listener<T> = (value: T) => void;

export class Emitter<Events extends object> {
  // Copy-on-write lists: emit iterates a snapshot without copying, so listeners may come and go
  // while an event is being delivered.
  private listeners: { [K in keyof Events]?: readonly Listener<Events[K]>[] } = {};

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    this.listeners[event] = [...(this.listeners[event] ?? []), listener];
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    const list = this.listeners[event]?.filter((l) => l !== listener);
    if (list?.length) this.listeners[event] = list;
    else delete this.listeners[event];
  }

  /**
   * Calls every listener. A listener that throws does not stop the others nor unwind the SDK's
   * state machine; its error is rethrown from a microtask, where the platform reports it (like
   * an exception in a DOM event listener).
   */
  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    const list = this.listeners[event];
    if (!list) return;
    for (const listener of list) {
      try {
        listener(value);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}

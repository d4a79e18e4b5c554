/// <reference lib="dom" />
/**
 * How the page talks to the model: over the JSON API (server mode) or to a Session running in the
 * page on dropped files (static mode). The UI only sees this interface.
 */
import type { Side } from "../session.js";

export interface Backend {
  readonly mode: "server" | "static";
  call<T>(method: string, params?: Record<string, unknown>): Promise<T>;
  openFile(side: Side, name: string, data: Blob): Promise<void>;
  setKeys(text: string): Promise<number>;
}

export class RemoteBackend implements Backend {
  readonly mode = "server" as const;

  private async post<T>(url: string, body: BodyInit, type: string): Promise<T> {
    const r = await fetch(url, {
      method: "POST",
      body,
      headers: { "Content-Type": type },
      credentials: "same-origin",
    });
    const j = (await r.json().catch(() => ({ error: `HTTP ${r.status}` }))) as T & { error?: string };
    if (!r.ok || j.error) {
      const e = new Error(j.error ?? `HTTP ${r.status}`);
      // 409: the server dropped this computation for a newer state (rules, files); not a failure.
      if (r.status === 409) e.name = "Superseded";
      throw e;
    }
    return j;
  }

  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.post<T>(`/api/call/${method}`, JSON.stringify(params), "application/json");
  }

  async openFile(side: Side, name: string, data: Blob): Promise<void> {
    await this.post(
      `/api/upload?side=${side}&name=${encodeURIComponent(name)}`,
      data,
      "application/octet-stream",
    );
  }

  async setKeys(text: string): Promise<number> {
    const r = await this.post<{ keys: number }>("/api/keys", text, "text/plain");
    return r.keys;
  }
}

import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Era, Json } from './jsonrpc.js';

/** What a session-era agent negotiated, and where its upstream sessions are. */
export interface SessionState {
  /** The endpoint it was opened on: a session id is not valid on another endpoint. */
  readonly endpoint: string;
  /** The protocol revision negotiated with the agent. */
  readonly protocolVersion: string;
  readonly clientCapabilities: Json;
  readonly clientInfo: Json;
  /** Who opened it (Identity.id): another caller presenting the id gets 404. */
  readonly principal: string;
  /** Per upstream server: its era, revision, and (HTTP, session era) the upstream's own session id. */
  readonly upstreams: Readonly<Record<string, { readonly era: Era; readonly protocolVersion: string; readonly resumeId?: string | undefined }>>;
  /** Seconds since the epoch. */
  readonly createdAt: number;
}

const VERSION = 1;
/**
 * Opened session ids remembered per replica, bounded by their total length (ids carry their state,
 * up to 16 KB each); the oldest are forgotten first, and a miss only costs a decryption.
 */
const MAX_OPENED_CHARS = 4_000_000;

/**
 * Session ids that carry their own state, sealed with AES-256-GCM: any replica holding the same
 * secret opens any session, with no shared store and no sticky routing. The id is opaque to the
 * agent and cannot be forged or altered (the tag covers it). Idle expiry and DELETE are tracked by
 * each replica for the sessions it has served (a replica that never saw a session accepts it while
 * it is younger than its idle limit since last use elsewhere cannot be known: see docs/mcp.md).
 */
export class SessionSealer {
  readonly #key: Buffer;
  /** Session id hash → last use (ms) on this replica. */
  readonly #lastSeen = new Map<string, number>();
  /** Session id hashes ended by DELETE on this replica. */
  readonly #ended = new Map<string, number>();
  /**
   * Ids already opened here → their state and hash: an agent sends its id with every message, and
   * decrypting it each time was most of a tool call's session cost. An id's state never changes.
   */
  readonly #opened = new Map<string, { readonly state: SessionState; readonly key: string }>();
  #openedChars = 0;

  constructor(secret: string | undefined) {
    const material = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8');
    this.#key = Buffer.from(hkdfSync('sha256', material, 'gatehouse-mcp-session', 'session-id-v1', 32));
  }

  seal(state: SessionState): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify({ v: VERSION, ...state }), 'utf8'), cipher.final()]);
    const id = `g1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    this.touch(id);
    return id;
  }

  /** The state sealed in `id`, or undefined when it is not ours, was altered, or is expired/ended here. */
  open(id: string, idleMs: number, now = Date.now()): SessionState | undefined {
    const opened = this.#opened.get(id) ?? this.#unseal(id);
    if (opened === undefined) return undefined;
    const { state, key } = opened;
    if (this.#ended.has(key)) return undefined;
    const last = this.#lastSeen.get(key);
    if (last !== undefined && now - last > idleMs) {
      this.#lastSeen.delete(key);
      this.#ended.set(key, now);
      return undefined;
    }
    this.#lastSeen.set(key, now);
    return state;
  }

  /** Decrypts and checks an id not opened here yet; remembers it when valid. */
  #unseal(id: string): { readonly state: SessionState; readonly key: string } | undefined {
    if (!id.startsWith('g1.') || id.length > 16_384) return undefined;
    const raw = Buffer.from(id.slice(3), 'base64url');
    // One spelling per session: base64url's last character has bits the decoder ignores, so a
    // variant would decrypt too (and be tracked as another session).
    if (raw.length < 29 || raw.toString('base64url') !== id.slice(3)) return undefined;
    let state: SessionState & { v?: number };
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      state = JSON.parse(text) as SessionState & { v?: number };
    } catch {
      return undefined;
    }
    if (state.v !== VERSION) return undefined;
    const opened = { state, key: hashOf(id) };
    this.#opened.set(id, opened);
    this.#openedChars += id.length;
    for (const old of this.#opened.keys()) {
      if (this.#openedChars <= MAX_OPENED_CHARS) break;
      this.#forget(old);
    }
    return opened;
  }

  #forget(id: string): void {
    if (this.#opened.delete(id)) this.#openedChars -= id.length;
  }

  /** The local bookkeeping key of `id` (hashOf), without hashing again an id opened here. */
  keyOf(id: string): string {
    return this.#opened.get(id)?.key ?? hashOf(id);
  }

  touch(id: string, now = Date.now()): void {
    this.#lastSeen.set(this.keyOf(id), now);
  }

  /** DELETE: the id is refused on this replica from now on. */
  end(id: string, now = Date.now()): void {
    const key = this.keyOf(id);
    this.#forget(id);
    this.#lastSeen.delete(key);
    this.#ended.set(key, now);
  }

  /** Forgets what is older than `maxAgeMs` (called periodically, bounded memory). */
  sweep(maxAgeMs: number, now = Date.now()): string[] {
    const expired: string[] = [];
    for (const [key, at] of this.#lastSeen) {
      if (now - at > maxAgeMs) {
        this.#lastSeen.delete(key);
        this.#ended.set(key, now);
        expired.push(key);
      }
    }
    for (const [key, at] of this.#ended) if (now - at > 7 * 86_400_000) this.#ended.delete(key);
    return expired;
  }
}

/** Local bookkeeping key of a session id (ids themselves are long). */
export function hashOf(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 22);
}

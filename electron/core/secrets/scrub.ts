/**
 * The secret scrubber: the one place that knows every secret value this thread
 * has seen, and replaces it, as is and in the encodings a remote service or a
 * serialiser turns it into, by `[secret NAME]`.
 *
 * Shared by the log (every line) and by every path that persists or emits run
 * data (the engine's commit, the outbox, approvals, escalations, events, the AI
 * usage ledger, deliverables, push events). Each thread has its own registry:
 * the main thread's is filled by the secret store (every value it reads, lists
 * or stores); a Bree worker's is seeded from the main thread's when it starts
 * and told of every value the main thread learns later (engine/pool.ts).
 *
 * Forms of a value V that are replaced (each only when at least
 * MIN_SECRET_LENGTH characters long):
 * - V itself; V as it appears inside a JSON string (`"` `\` and control
 *   characters escaped), also with `/` escaped as `\/` (PHP and others);
 * - encodeURIComponent(V) (also with lower-case %xx escapes) and the
 *   application/x-www-form-urlencoded form (URLSearchParams);
 * - the UTF-8 bytes of V in hex, lower and upper case;
 * - base64 and base64url of V at each of the three byte alignments, so V is
 *   found inside a longer encoded text (`Basic base64(user:V)`,
 *   `base64("Bearer " + V)`): the characters that also carry bits of the
 *   neighbouring bytes are left, the ones made of V's bits alone are replaced.
 * And each of those again JSON-escaped (a JSON text embedded in a JSON string).
 */

/**
 * Values shorter than this are not scrubbed (nor redacted from logs). API keys,
 * tokens and app passwords are 20+ characters; a shorter value is no credential
 * worth the cost, and replacing it everywhere would damage ordinary data
 * ("admin", "2024", "hunter2" occur in real outputs). At 8 characters every
 * derived form is at least 8 characters too (the base64 fragments of an 8-byte
 * value are 10), so no form is short enough to match by chance.
 */
export const MIN_SECRET_LENGTH = 8;

/** What replaces a value: `[secret NAME]`, or `[secret]` for a value registered without its name. */
export function secretLabel(name: string | null | undefined): string {
  const n = (name ?? '').replace(/[^A-Za-z0-9_.-]/g, '');
  return n ? `[secret ${n}]` : '[secret]';
}

const jsonEscape = (s: string): string => JSON.stringify(s).slice(1, -1);

/** The part of base64(prefix of `k` bytes + V) made of V's bits only (no padding, no shared characters). */
function base64Core(bytes: Buffer, k: number): string {
  const b64 = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
  return b64.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
}

/** Every form of `value` the scrubber replaces (see the module comment), longest first. */
export function secretForms(value: string): string[] {
  if (value.length < MIN_SECRET_LENGTH) return [];
  const bytes = Buffer.from(value, 'utf8');
  const uri = encodeURIComponent(value);
  const base = [
    value,
    jsonEscape(value),
    jsonEscape(value).replace(/\//g, '\\/'),
    uri,
    uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    new URLSearchParams({ v: value }).toString().slice(2),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
  ];
  for (let k = 0; k < 3; k++) {
    const core = base64Core(bytes, k);
    base.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  const out = new Set<string>();
  for (const f of base) {
    out.add(f);
    out.add(jsonEscape(f));
  }
  return [...out].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

function plainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A registry of secret values and the functions that scrub them from text and data. */
export class SecretScrubber {
  /** value -> its name (null: registered without one). */
  private readonly values = new Map<string, string | null>();
  private re: RegExp | null = null;
  private labels = new Map<string, string>();
  private dirty = false;
  private readonly listeners = new Set<(name: string | null, value: string) => void>();

  /** Number of values known (0: every scrub function returns its input as is). */
  get size(): number {
    return this.values.size;
  }

  /**
   * Register a secret value (with its name when known; a name given later replaces
   * a missing one). Values shorter than MIN_SECRET_LENGTH are ignored. True when new.
   */
  add(value: string | null | undefined, name?: string | null): boolean {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return false;
    const known = this.values.get(value);
    if (known !== undefined && (known !== null || !name)) return false;
    this.values.set(value, name ?? null);
    this.dirty = true;
    for (const l of this.listeners) l(name ?? null, value);
    return true;
  }

  /** Every registered value with its name (handed to a new worker thread). */
  entries(): [string | null, string][] {
    return [...this.values].map(([v, n]) => [n, v]);
  }

  /** Called for every value added (or named) from now on. Returns the unsubscribe function. */
  onAdd(fn: (name: string | null, value: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private matcher(): RegExp | null {
    if (this.dirty) {
      this.dirty = false;
      const labels = new Map<string, string>();
      for (const [value, name] of this.values) {
        const label = secretLabel(name);
        for (const f of secretForms(value)) if (!labels.has(f)) labels.set(f, label);
      }
      const forms = [...labels.keys()].sort((a, b) => b.length - a.length);
      this.labels = labels;
      this.re = forms.length ? new RegExp(forms.map(escapeRe).join('|'), 'g') : null;
    }
    return this.re;
  }

  /** Does the text contain a secret in any form? */
  found(text: string): boolean {
    const re = this.matcher();
    if (!re || text.length < MIN_SECRET_LENGTH) return false;
    re.lastIndex = 0;
    const hit = re.test(text);
    re.lastIndex = 0;
    return hit;
  }

  /** The text with every form of every secret replaced by its label. */
  text(text: string): string {
    const re = this.matcher();
    if (!re || text.length < MIN_SECRET_LENGTH) return text;
    return text.replace(re, (m) => this.labels.get(m) ?? secretLabel(null));
  }

  /**
   * A value with every string in it (object keys too) scrubbed, at any depth.
   * Arrays and plain objects are copied only where something changed; the value
   * itself comes back when nothing did. Other objects (Date, Buffer …) are kept.
   */
  value<T>(v: T): T {
    if (!this.matcher()) return v;
    return this.deep(v) as T;
  }

  private deep(v: unknown): unknown {
    if (typeof v === 'string') return this.text(v);
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      let out: unknown[] | null = null;
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        const y = this.deep(x);
        if (y !== x) (out ??= v.slice())[i] = y;
      }
      return out ?? v;
    }
    if (!plainObject(v)) return v;
    let out: Record<string, unknown> | null = null;
    const entries = Object.entries(v as Record<string, unknown>);
    for (const [k, x] of entries) {
      const k2 = this.text(k);
      const y = this.deep(x);
      if (y !== x || k2 !== k) {
        if (!out) out = { ...(v as Record<string, unknown>) };
        if (k2 !== k) delete out[k];
        out[k2] = y;
      }
    }
    return out ?? v;
  }

  /**
   * A JSON text with the secrets in its strings replaced. The text is parsed and
   * written again only when a form is found in it (never a text substitution,
   * which could break the JSON when a value contains JSON syntax).
   */
  json(text: string): string {
    if (!this.found(text)) return text;
    return JSON.stringify(this.value(JSON.parse(text) as unknown));
  }
}

/** This thread's registry: every secret value the secret store handed out (or a worker was told of). */
export const processSecrets = new SecretScrubber();

/** Register a secret value of this thread (the secret store calls it for every value it handles). */
export function registerSecretValue(value: string | null | undefined, name?: string | null): void {
  processSecrets.add(value, name);
}

/** `text` with every known secret replaced by `[secret NAME]`. */
export const scrubText = (text: string): string => processSecrets.text(text);
/** `v` with every known secret replaced in its strings, at any depth (copied only where changed). */
export const scrubValue = <T>(v: T): T => processSecrets.value(v);

/**
 * A real HTTP server on 127.0.0.1 that speaks enough of Anthropic's Messages API
 * (POST /v1/messages) for the real @anthropic-ai/sdk to talk to it. Tests script
 * the answers (text, JSON/tool answers, 401, 429 + retry-after, 529, malformed
 * bodies) and read back every request to assert on prompts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  headers: Record<string, string | undefined>;
  /** The parsed JSON body of POST /v1/messages. */
  body: {
    model: string;
    max_tokens: number;
    system?: string | { type: string; text: string }[];
    messages: { role: string; content: string | { type: string; text?: string; content?: unknown; is_error?: boolean; input?: unknown }[] }[];
    tools?: { name: string; input_schema: unknown }[];
    tool_choice?: { type: string; name?: string };
  };
}

/** One scripted answer. */
export type Reply =
  /** `model` and `headers` replace the answer's model and add response headers (a server echoing what it got). */
  | { text: string; usage?: Usage; stopReason?: string; model?: string; headers?: Record<string, string> }
  /** An answer to the forced tool (structured output); as text if the request has no tool. */
  | { json: unknown; usage?: Usage }
  | { status: number; errorType?: string; message?: string; headers?: Record<string, string> }
  /** A 200 with a body that is not a Messages API answer. */
  | { raw: string; contentType?: string }
  /** Hang for this long before answering with `then` (tests the client timeout). */
  | { delayMs: number; then: Reply };

export interface Usage {
  input_tokens: number;
  output_tokens: number;
}

export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  /** Queue answers, used first-in first-out. */
  push(...replies: Reply[]): void;
  /** Decide the answer from the request (used when the queue is empty). */
  respond(fn: ((req: RecordedRequest, index: number) => Reply | undefined) | null): void;
  /** The API key the server accepts (x-api-key); others get 401. */
  expectKey(key: string | null): void;
  /** The text of everything sent to the model in request i: system + messages. */
  promptOf(i: number): string;
  close(): Promise<void>;
}

const DEFAULT_USAGE: Usage = { input_tokens: 120, output_tokens: 80 };

export async function startFakeAnthropic(opts: { apiKey?: string | null } = {}): Promise<FakeAnthropic> {
  const queue: Reply[] = [];
  const requests: RecordedRequest[] = [];
  let responder: ((req: RecordedRequest, index: number) => Reply | undefined) | null = null;
  let key: string | null = opts.apiKey ?? null;
  let counter = 0;

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake_${++counter}`, ...headers });
    res.end(JSON.stringify(body));
  };
  const sendError = (res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}) =>
    sendJson(res, status, { type: 'error', error: { type, message } }, headers);

  const answer = async (res: ServerResponse, req: RecordedRequest, reply: Reply): Promise<void> => {
    if ('delayMs' in reply) {
      await new Promise((r) => setTimeout(r, reply.delayMs));
      if (res.destroyed || res.writableEnded) return;
      return answer(res, req, reply.then);
    }
    if ('status' in reply) {
      const defaults: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error' };
      return sendError(res, reply.status, reply.errorType ?? defaults[reply.status] ?? 'api_error', reply.message ?? `scripted ${reply.status}`, reply.headers);
    }
    if ('raw' in reply) {
      res.writeHead(200, { 'content-type': reply.contentType ?? 'application/json' });
      res.end(reply.raw);
      return;
    }
    const base = { id: `msg_fake_${++counter}`, type: 'message', role: 'assistant', model: req.body.model, stop_sequence: null };
    if ('text' in reply) {
      return sendJson(
        res,
        200,
        {
          ...base,
          ...(reply.model ? { model: reply.model } : {}),
          content: [{ type: 'text', text: reply.text }],
          stop_reason: reply.stopReason ?? 'end_turn',
          usage: reply.usage ?? DEFAULT_USAGE,
        },
        reply.headers,
      );
    }
    const tool = req.body.tool_choice?.type === 'tool' ? req.body.tool_choice.name : undefined;
    const content = tool
      ? [{ type: 'tool_use', id: `toolu_fake_${counter}`, name: tool, input: reply.json }]
      : [{ type: 'text', text: JSON.stringify(reply.json) }];
    return sendJson(res, 200, { ...base, content, stop_reason: tool ? 'tool_use' : 'end_turn', usage: reply.usage ?? DEFAULT_USAGE });
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/messages') {
          return sendError(res, 404, 'not_found_error', `no route ${req.method} ${req.url}`);
        }
        let body: RecordedRequest['body'];
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RecordedRequest['body'];
        } catch {
          return sendError(res, 400, 'invalid_request_error', 'body is not JSON');
        }
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        const recorded: RecordedRequest = { headers, body };
        const index = requests.length;
        requests.push(recorded);
        if (!req.headers['anthropic-version']) return sendError(res, 400, 'invalid_request_error', 'anthropic-version header is required');
        // The API takes the key as x-api-key or (SDK 1.x) as "Authorization: Bearer <key>".
        const given = apiKeyOf(headers);
        if (!given) return sendError(res, 401, 'authentication_error', 'x-api-key header is required');
        if (key !== null && given !== key) return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
        if (!body.model || !Array.isArray(body.messages) || typeof body.max_tokens !== 'number') {
          return sendError(res, 400, 'invalid_request_error', 'model, messages and max_tokens are required');
        }
        const reply = queue.shift() ?? responder?.(recorded, index) ?? { text: 'ok' };
        await answer(res, recorded, reply);
      })().catch((e: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'api_error', (e as Error).message);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    push: (...r) => void queue.push(...r),
    respond: (fn) => {
      responder = fn;
    },
    expectKey: (k) => {
      key = k;
    },
    promptOf: (i) => {
      const r = requests[i];
      if (!r) throw new Error(`no request #${i} (got ${requests.length})`);
      return promptText(r);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The API key a request carried: x-api-key, or the bearer token of Authorization. */
export function apiKeyOf(headers: Record<string, string | undefined>): string | undefined {
  return headers['x-api-key'] ?? /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
}

/** Flatten system + messages of a request to one string. */
export function promptText(r: RecordedRequest): string {
  const sys = typeof r.body.system === 'string' ? r.body.system : (r.body.system ?? []).map((b) => b.text).join('\n');
  const msgs = r.body.messages.map((m) =>
    typeof m.content === 'string'
      ? m.content
      : m.content.map((c) => c.text ?? (typeof c.content === 'string' ? c.content : JSON.stringify(c.content ?? c.input ?? ''))).join('\n'),
  );
  return [sys, ...msgs].join('\n');
}

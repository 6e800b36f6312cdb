/**
 * A real SMTP server for tests (the smtp-server package): receives every
 * message, keeps the raw source parsed with mailparser, optional AUTH, and a
 * switch to refuse messages (451) to simulate an outage after connect.
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface Received {
  raw: string;
  parsed: ParsedMail;
  from: string;
  to: string[];
  header(name: string): string;
}

export interface TestSmtp {
  port: number;
  messages: Received[];
  /** 'ok' | 'tempfail' (451 after DATA) */
  mode: 'ok' | 'tempfail';
  waitFor(n: number, ms?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** `echoPassword`: a refused login quotes the password it was given (some servers do). */
export async function startSmtp(opts: { user?: string; password?: string; echoPassword?: boolean } = {}): Promise<TestSmtp> {
  const messages: Received[] = [];
  const state = { mode: 'ok' as 'ok' | 'tempfail' };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: opts.user ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.user,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.password) return cb(null, { user: auth.username });
      return cb(new Error(opts.echoPassword ? `Invalid username or password (got ${auth.username}:${auth.password})` : 'Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.mode === 'tempfail') {
          const err = new Error('Service temporarily unavailable') as Error & { responseCode: number };
          err.responseCode = 451;
          return cb(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw).then((parsed) => {
          messages.push({
            raw,
            parsed,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            header: (name) => {
              const line = parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line ?? '';
              return line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
            },
          });
          cb();
        }, cb);
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    messages,
    get mode() {
      return state.mode;
    },
    set mode(m) {
      state.mode = m;
    },
    async waitFor(n, ms = 5000) {
      const until = Date.now() + ms;
      while (messages.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      if (messages.length < n) throw new Error(`expected ${n} messages, got ${messages.length}`);
      return messages;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

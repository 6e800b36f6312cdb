/**
 * A real HTTP server on 127.0.0.1 implementing the part of the WordPress REST API
 * Baton uses: /wp-json/wp/v2/posts (list with search/slug/status filters, create,
 * get, update) behind application-password Basic auth. Tests can make the next
 * create drop its connection AFTER the post is stored, which is what a crash
 * between "sent" and "recorded" looks like to the client.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePost {
  id: number;
  date: string;
  slug: string;
  status: 'draft' | 'publish' | 'pending' | 'private' | 'future';
  link: string;
  title: string;
  content: string;
  excerpt: string;
}

export interface FakeWordPress {
  url: string;
  posts: FakePost[];
  /** Number of POST /posts creates that stored a post. */
  creates: number;
  requests: { method: string; path: string; query: Record<string, string>; authed: boolean }[];
  /** The next create stores the post, then destroys the socket without answering. */
  dropNextCreateResponse(): void;
  /** The next create fails with 500 before storing anything. */
  failNextCreate(status?: number): void;
  /** The next create stores the post, calls fn (e.g. to SIGKILL the client) and never answers. */
  onNextCreate(fn: (post: FakePost) => void): void;
  close(): Promise<void>;
}

const slugify = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/[\s_]+/g, '-')
    .replace(/-+/g, '-');

export async function startFakeWordPress(opts: { user: string; appPassword: string }): Promise<FakeWordPress> {
  const posts: FakePost[] = [];
  const requests: FakeWordPress['requests'] = [];
  let nextId = 100;
  let drop = false;
  let failStatus: number | null = null;
  let hook: ((post: FakePost) => void) | null = null;
  const state = { creates: 0 };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const wpError = (res: ServerResponse, status: number, code: string, message: string) => json(res, status, { code, message, data: { status } });

  const authOk = (req: IncomingMessage): boolean | 'bad' => {
    const h = req.headers.authorization;
    if (!h) return false;
    const m = /^Basic (.+)$/.exec(h);
    if (!m?.[1]) return 'bad';
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const user = decoded.slice(0, i);
    // WordPress ignores the spaces of an application password ("abcd efgh ...").
    const pass = decoded.slice(i + 1).replace(/\s+/g, '');
    return user === opts.user && pass === opts.appPassword.replace(/\s+/g, '') ? true : 'bad';
  };

  const view = (p: FakePost, edit: boolean) => ({
    id: p.id,
    date: p.date,
    slug: p.slug,
    status: p.status,
    link: p.link,
    title: edit ? { raw: p.title, rendered: p.title } : { rendered: p.title },
    content: edit ? { raw: p.content, rendered: p.content, protected: false } : { rendered: p.content, protected: false },
    excerpt: edit ? { raw: p.excerpt, rendered: p.excerpt } : { rendered: p.excerpt },
  });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const query = Object.fromEntries(u.searchParams);
      const auth = authOk(req);
      requests.push({ method: req.method ?? 'GET', path: u.pathname, query, authed: auth === true });
      if (auth === 'bad') return wpError(res, 401, 'incorrect_password', 'The provided password is an invalid application password.');
      const m = /^\/wp-json\/wp\/v2\/posts(?:\/(\d+))?\/?$/.exec(u.pathname);
      if (!m) return wpError(res, 404, 'rest_no_route', 'No route was found matching the URL and request method.');
      const id = m[1] ? Number(m[1]) : null;
      const edit = query.context === 'edit';
      if (edit && !auth) return wpError(res, 401, 'rest_forbidden_context', 'Sorry, you are not allowed to edit posts in this post type.');

      if (req.method === 'GET' && id === null) {
        const statuses = (query.status ?? 'publish').split(',');
        if (!auth && statuses.some((s) => s !== 'publish')) return wpError(res, 400, 'rest_invalid_param', 'Invalid parameter(s): status');
        let list = posts.filter((p) => statuses.includes('any') || statuses.includes(p.status));
        if (query.slug) {
          const slugs = query.slug.split(',');
          list = list.filter((p) => slugs.includes(p.slug));
        }
        if (query.search) {
          const s = query.search.toLowerCase();
          list = list.filter((p) => p.title.toLowerCase().includes(s) || p.content.toLowerCase().includes(s) || p.excerpt.toLowerCase().includes(s));
        }
        const per = Math.min(Number(query.per_page ?? 10), 100);
        const out = list.slice(0, per).map((p) => view(p, edit));
        return json(res, 200, out, { 'x-wp-total': String(list.length), 'x-wp-totalpages': String(Math.max(1, Math.ceil(list.length / per))) });
      }
      if (req.method === 'GET' && id !== null) {
        const p = posts.find((x) => x.id === id);
        if (!p || (p.status !== 'publish' && !auth)) return wpError(res, 404, 'rest_post_invalid_id', 'Invalid post ID.');
        return json(res, 200, view(p, edit));
      }
      if (req.method === 'POST') {
        if (!auth) return wpError(res, 401, 'rest_cannot_create', 'Sorry, you are not allowed to create posts as this user.');
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        } catch {
          return wpError(res, 400, 'rest_invalid_json', 'Invalid JSON body passed.');
        }
        const status = (body.status as FakePost['status'] | undefined) ?? 'draft';
        if (!['draft', 'publish', 'pending', 'private', 'future'].includes(status)) return wpError(res, 400, 'rest_invalid_param', 'Invalid parameter(s): status');
        if (id !== null) {
          const p = posts.find((x) => x.id === id);
          if (!p) return wpError(res, 404, 'rest_post_invalid_id', 'Invalid post ID.');
          if (typeof body.title === 'string') p.title = body.title;
          if (typeof body.content === 'string') p.content = body.content;
          if (typeof body.excerpt === 'string') p.excerpt = body.excerpt;
          if (body.status) p.status = status;
          return json(res, 200, view(p, true));
        }
        if (failStatus !== null) {
          const s = failStatus;
          failStatus = null;
          return wpError(res, s, 'internal_server_error', 'scripted failure');
        }
        const title = typeof body.title === 'string' ? body.title : '';
        let slug = typeof body.slug === 'string' && body.slug ? slugify(body.slug) : slugify(title);
        // Published posts get unique slugs (WordPress appends -2, -3 …).
        if (status === 'publish') {
          const base = slug;
          for (let n = 2; posts.some((p) => p.slug === slug && p.status === 'publish'); n++) slug = `${base}-${n}`;
        }
        const post: FakePost = {
          id: nextId++,
          date: new Date().toISOString().slice(0, 19),
          slug,
          status,
          link: `${'http://127.0.0.1'}/?p=${nextId - 1}`,
          title,
          content: typeof body.content === 'string' ? body.content : '',
          excerpt: typeof body.excerpt === 'string' ? body.excerpt : '',
        };
        posts.push(post);
        state.creates++;
        if (hook) {
          const fn = hook;
          hook = null;
          fn(post);
          return;
        }
        if (drop) {
          drop = false;
          req.socket.destroy();
          return;
        }
        return json(res, 201, view(post, true));
      }
      return wpError(res, 404, 'rest_no_route', 'No route was found matching the URL and request method.');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    get creates() {
      return state.creates;
    },
    requests,
    dropNextCreateResponse: () => {
      drop = true;
    },
    failNextCreate: (status = 500) => {
      failStatus = status;
    },
    onNextCreate: (fn) => {
      hook = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The pure rules of attaching to a remote `baton serve`: which addresses and
 * tokens are accepted, which failure means what, the backoff, the window's
 * connection state while the host's remote is down, and the CLI's --url/--token.
 */
import { describe, expect, it } from 'vitest';
import { classifyRemoteFailure, isLocalOnlyOp, isNewerConnection, parseRemoteUrl, remoteBackoffMs, remoteProblemMessage, remoteTokenProblem } from '../shared/api';
import { parseRemoteEvent } from '../electron/core/remote/client';
import { remoteOf, setRemoteArgs, splitRemoteArgs } from '../electron/cli/context';
import { describeConnection, initialConnection, OFFLINE_AFTER, reduceConnection, type Connection } from '../renderer/src/api/connection';
import type { Command } from 'commander';

describe('remote address and token', () => {
  it('accepts https anywhere and http only on loopback, and pins the origin', () => {
    expect(parseRemoteUrl(' https://baton.example.com/ ')).toEqual({ ok: true, origin: 'https://baton.example.com', base: 'https://baton.example.com' });
    expect(parseRemoteUrl('https://example.com/baton/')).toEqual({ ok: true, origin: 'https://example.com', base: 'https://example.com/baton' });
    expect(parseRemoteUrl('http://127.0.0.1:4820')).toMatchObject({ ok: true, base: 'http://127.0.0.1:4820' });
    expect(parseRemoteUrl('http://localhost:4820')).toMatchObject({ ok: true });
    expect(parseRemoteUrl('http://[::1]:4820')).toMatchObject({ ok: true });
  });

  it('refuses, naming the field and the fix: empty, not an address, plain http to another machine, credentials, query, other schemes', () => {
    const msg = (s: string) => {
      const r = parseRemoteUrl(s);
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.message;
    };
    expect(msg('   ')).toMatch(/^url: enter the address/);
    expect(msg('baton.example.com')).toMatch(/^url: .*not an address/);
    expect(msg('http://baton.example.com')).toMatch(/^url: use https:\/\/ for a server on another machine/);
    expect(msg('http://10.0.0.5:4820')).toMatch(/https/);
    expect(msg('https://me:pw@baton.example.com')).toMatch(/user name and password/);
    expect(msg('https://baton.example.com/?token=abc')).toMatch(/without \?query/);
    expect(msg('https://baton.example.com/#token=abc')).toMatch(/#fragment/);
    expect(msg('ftp://baton.example.com')).toMatch(/not ftp:/);
  });

  it('a token is one word (it travels as a WebSocket subprotocol)', () => {
    expect(remoteTokenProblem('abcDEF123-_.')).toBeNull();
    expect(remoteTokenProblem('')).toMatch(/^token: paste/);
    expect(remoteTokenProblem('two words')).toMatch(/^token: .*without spaces/);
    expect(remoteTokenProblem('a,b')).toMatch(/^token:/);
  });
});

describe('which failure means what', () => {
  it('classifies HTTP statuses and Node error codes', () => {
    expect(classifyRemoteFailure({ status: 401 })).toBe('bad_token');
    expect(classifyRemoteFailure({ status: 403 })).toBe('forbidden');
    for (const status of [502, 503, 504]) expect(classifyRemoteFailure({ status })).toBe('unreachable');
    expect(classifyRemoteFailure({ status: 404 })).toBe('not_baton');
    expect(classifyRemoteFailure({ status: 302 })).toBe('not_baton');
    for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER']) expect(classifyRemoteFailure({ code })).toBe('bad_certificate');
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', null]) expect(classifyRemoteFailure({ code })).toBe('unreachable');
  });

  it('every problem has a sentence naming the address and what to do', () => {
    const o = 'https://baton.example.com';
    expect(remoteProblemMessage('unreachable', o, 'ECONNREFUSED')).toMatch(/^Cannot reach the Baton server at https:\/\/baton\.example\.com \(ECONNREFUSED\).*retries/);
    expect(remoteProblemMessage('bad_certificate', o)).toMatch(/certificate of https:\/\/baton\.example\.com is not valid/);
    expect(remoteProblemMessage('bad_token', o)).toMatch(/did not accept the token.*baton token/);
    expect(remoteProblemMessage('forbidden', o)).toMatch(/--allow-host baton\.example\.com/);
    expect(remoteProblemMessage('not_baton', o)).toMatch(/not as a Baton server/);
  });

  it('backs off exponentially with jitter, capped at 30 s', () => {
    expect(remoteBackoffMs(1, 0.5)).toBe(500);
    expect(remoteBackoffMs(2, 0.5)).toBe(1000);
    expect(remoteBackoffMs(4, 0.5)).toBe(4000);
    expect(remoteBackoffMs(30, 0.5)).toBe(30_000);
    expect(remoteBackoffMs(1, 0)).toBe(400);
    expect(remoteBackoffMs(30, 0.999)).toBeLessThanOrEqual(36_000);
  });

  it('the window keeps the newest connection state, not the last to arrive; a restarted host always wins', () => {
    const r = (boot: string, seq: number) => ({ revision: { boot, seq } });
    expect(isNewerConnection(null, r('a', 0))).toBe(true);
    expect(isNewerConnection(r('a', 3), r('a', 4))).toBe(true);
    expect(isNewerConnection(r('a', 3), r('a', 3))).toBe(true);
    expect(isNewerConnection(r('a', 4), r('a', 3))).toBe(false);
    expect(isNewerConnection(r('a', 9), r('b', 0))).toBe(true);
  });

  it('the host answers only connection.* itself while attached', () => {
    expect(isLocalOnlyOp('connection.get')).toBe(true);
    expect(isLocalOnlyOp('approvals.list')).toBe(false);
  });

  it('relays only known events whose payload fits their schema', () => {
    expect(parseRemoteEvent(JSON.stringify({ event: 'settings.changed', payload: { key: 'ai.model' } }))).toEqual({ event: 'settings.changed', payload: { key: 'ai.model' } });
    expect(parseRemoteEvent(JSON.stringify({ event: 'settings.changed', payload: { key: 3 } }))).toBeNull();
    expect(parseRemoteEvent(JSON.stringify({ event: 'no.such', payload: {} }))).toBeNull();
    expect(parseRemoteEvent('not json')).toBeNull();
  });
});

describe('the window while its host is attached to a remote', () => {
  const connected: Connection = reduceConnection(initialConnection, { type: 'open' });

  it('goes offline at once and says why when the remote is down, though its own stream is open', () => {
    const down = reduceConnection(connected, { type: 'upstream', ok: false, error: 'Cannot reach the Baton server at https://b.example', retryAt: 10_000 });
    expect(down).toMatchObject({ state: 'offline', stream: true, upstream: 'Cannot reach the Baton server at https://b.example' });
    expect(describeConnection(down, 7_000)).toBe('Offline: Cannot reach the Baton server at https://b.example Retrying in 3 s.');
    // Its own stream reopening does not make it connected while the remote is down.
    const reopened = reduceConnection(reduceConnection(down, { type: 'closed' }), { type: 'open' });
    expect(reopened.state).toBe('offline');
    expect(reopened.upstream).not.toBeNull();
  });

  it('comes back (a new epoch: pages refetch, queued decisions go out) when the remote is usable again', () => {
    const down = reduceConnection(connected, { type: 'upstream', ok: false, error: 'x', retryAt: null });
    const back = reduceConnection(down, { type: 'upstream', ok: true });
    expect(back).toMatchObject({ state: 'connected', upstream: null, lastError: null });
    expect(back.epoch).toBe(down.epoch + 1);
    // Without its own stream it stays as the stream says, and connects on the next open.
    const noStream = reduceConnection(reduceConnection(down, { type: 'closed' }), { type: 'upstream', ok: true });
    expect(noStream.state).toBe('offline');
    expect(reduceConnection(noStream, { type: 'open' }).state).toBe('connected');
  });

  it('a switch to another store is a new epoch; an unchanged healthy state is the same object', () => {
    expect(reduceConnection(connected, { type: 'upstream', ok: true })).toBe(connected);
    expect(reduceConnection(connected, { type: 'upstream', ok: true, switched: true }).epoch).toBe(connected.epoch + 1);
  });

  it('a failing own stream still counts up to offline as before', () => {
    let s = connected;
    for (let i = 0; i < OFFLINE_AFTER; i++) s = reduceConnection(s, { type: 'fail', retryAt: 0 });
    expect(s.state).toBe('offline');
    expect(s.stream).toBe(false);
  });
});

describe('CLI --url and --token', () => {
  it('takes them off the command line anywhere, in both spellings, but leaves `baton token --url` its own flag', () => {
    expect(splitRemoteArgs(['--url', 'https://b.example', '--token', 'T', 'approvals', 'list'])).toEqual({ argv: ['approvals', 'list'], url: 'https://b.example', token: 'T' });
    expect(splitRemoteArgs(['approvals', 'list', '--url=https://b.example', '--token=T'])).toEqual({ argv: ['approvals', 'list'], url: 'https://b.example', token: 'T' });
    expect(splitRemoteArgs(['--data', 'token', 'token', '--url'])).toEqual({ argv: ['--data', 'token', 'token', '--url'] });
    expect(splitRemoteArgs(['run', '--', '--url', 'x'])).toEqual({ argv: ['run', '--', '--url', 'x'] });
    expect(splitRemoteArgs(['approvals', '--url'])).toMatchObject({ problem: '--url needs a value' });
    expect(splitRemoteArgs(['--token', '--json', 'approvals'])).toMatchObject({ problem: '--token needs a value' });
  });

  it('the remote comes from the flags, else BATON_URL/BATON_TOKEN; a url without a token is refused naming both ways', () => {
    const cmd = {} as Command;
    try {
      setRemoteArgs({});
      expect(remoteOf(cmd, {})).toBeNull();
      expect(remoteOf(cmd, { BATON_URL: 'https://b.example', BATON_TOKEN: 'E' })).toEqual({ url: 'https://b.example', token: 'E' });
      setRemoteArgs({ url: 'https://c.example', token: 'F' });
      expect(remoteOf(cmd, { BATON_URL: 'https://b.example', BATON_TOKEN: 'E' })).toEqual({ url: 'https://c.example', token: 'F' });
      setRemoteArgs({ url: 'https://c.example' });
      expect(() => remoteOf(cmd, {})).toThrow(/--token TOKEN or in BATON_TOKEN/);
    } finally {
      setRemoteArgs({});
    }
  });
});

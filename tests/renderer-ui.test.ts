/** QueryView: the one place a query's loading, failed, empty and loaded states are decided. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../shared/api';
import { QueryView } from '../renderer/src/components/ui';

const error = new ApiError('internal', 'disk full');
const reload = () => undefined;
const view = (q: { data: string[] | undefined; error: ApiError | null }, extra: Record<string, unknown> = {}) =>
  renderToStaticMarkup(
    createElement(QueryView<string[]>, {
      q: { ...q, reload },
      what: 'Could not load the list',
      loading: 'Loading the list…',
      isEmpty: (d: string[]) => d.length === 0,
      empty: createElement('p', null, 'Nothing yet.'),
      children: (d: string[]) => createElement('ul', null, d.map((x) => createElement('li', { key: x }, x))),
      ...extra,
    }),
  );

describe('QueryView', () => {
  it('shows the loading line until the first answer', () => {
    expect(view({ data: undefined, error: null })).toContain('Loading the list…');
  });
  it('shows the content, or the empty note when the answer is empty', () => {
    expect(view({ data: ['a', 'b'], error: null })).toBe('<ul><li>a</li><li>b</li></ul>');
    expect(view({ data: [], error: null })).toBe('<p>Nothing yet.</p>');
  });
  it('a failure without data: the error panel with Retry, no loading line', () => {
    const html = view({ data: undefined, error });
    expect(html).toContain('role="alert"');
    expect(html).toContain('Could not load the list');
    expect(html).toContain('disk full');
    expect(html).toContain('Retry');
    expect(html).not.toContain('Loading');
  });
  it('a failed reload keeps the last data and says what failed above it', () => {
    const html = view({ data: ['a'], error });
    expect(html.indexOf('disk full')).toBeGreaterThan(-1);
    expect(html.indexOf('disk full')).toBeLessThan(html.indexOf('<ul>'));
  });
  it('with `failed` (errors reported elsewhere on the page): that note while there is no data, nothing once there is', () => {
    const failed = createElement('p', null, 'Not available.');
    expect(view({ data: undefined, error }, { failed })).toBe('<p>Not available.</p>');
    expect(view({ data: ['a'], error }, { failed })).toBe('<ul><li>a</li></ul>');
  });
});

/**
 * The WordPress domain: publish a draft or a post to a WordPress site over its
 * REST API (application password in the secret WORDPRESS_APP_PASSWORD).
 */
import { defineDomain } from '../domain';
import { WORDPRESS_NODES } from './nodes';

export const wordpressDomain = defineDomain({
  id: 'wordpress',
  description: 'Publish drafts and posts to a WordPress site over its REST API.',
  nodes: WORDPRESS_NODES,
  settings: ['wordpress.siteUrl', 'wordpress.user', 'wordpress.timeoutMs'],
  create: () => undefined,
});

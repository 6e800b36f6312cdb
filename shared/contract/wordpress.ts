/** WordPress: the connection check of the Settings page (the publish node is in the workflow catalog). */
import { z } from 'zod';
import { Empty, op } from './base';

/** The secret that holds the WordPress application password (write-only from Settings). */
export const WORDPRESS_PASSWORD_SECRET = 'WORDPRESS_APP_PASSWORD';

export const wordpressOps = {
  'wordpress.verify': op(
    'Connect to the WordPress site with the stored user and application password and check it may write posts (nothing is written): ok, or what is wrong and how to fix it.',
    Empty,
    z.object({ ok: z.boolean(), message: z.string(), hint: z.string().nullable() }),
  ),
} as const;

export const wordpressEvents = {} as const;

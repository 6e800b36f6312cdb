/** The start form's fields, read from the playbook's config JSON Schema (playbooks.get -> configSchema). */

export interface SchemaField {
  key: string;
  title: string;
  description?: string;
  type: 'string' | 'number';
  long: boolean;
  required: boolean;
}

/** The fields of the config JSON Schema (playbooks.get -> configSchema), in order. */
export function fieldsOf(schema: Record<string, unknown>): SchemaField[] {
  const props = (schema.properties ?? {}) as Record<string, { title?: string; description?: string; type?: string; format?: string }>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([key, p]) => ({
    key,
    title: p.title ?? key,
    ...(p.description ? { description: p.description } : {}),
    type: p.type === 'number' ? 'number' : 'string',
    long: p.format === 'textarea',
    required: required.has(key),
  }));
}

import { EVENT_FIELDS, type FieldSpec } from './event.js';
import { EVENT_TYPES } from './event-type.js';
import { LEVEL_VALUE } from './level.js';

function fieldSchema(spec: FieldSpec): Record<string, unknown> {
  const description = spec.description;
  switch (spec.kind) {
    case 'string': return { type: 'string', description };
    case 'number': return { type: ['number', 'null'], description };
    case 'integer': return { type: 'integer', description };
    case 'level': return { enum: Object.keys(LEVEL_VALUE), description };
    case 'event_type': return { enum: [...EVENT_TYPES], description };
    case 'object': return { type: 'object', description };
    case 'timestamp': return { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$', description };
    case 'uuid': return { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$', description };
  }
}

/**
 * JSON Schema (2020-12) of a line daybook writes, generated from EVENT_FIELDS. The copy shipped
 * as `@daybook/core/schema/event.schema.json` is checked against this by the tests.
 */
export function eventJsonSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(EVENT_FIELDS) as [string, FieldSpec][]) {
    properties[name] = fieldSchema(spec);
    if (spec.required) required.push(name);
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://daybook.dev/schema/event.schema.json',
    title: 'daybook audit event (one line of a log file)',
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  };
}

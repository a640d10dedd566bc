/**
 * Label sets as Alertmanager handles them: its fingerprint, its printed form (the group key),
 * its order (the order of alerts in a notification). Matching Alertmanager here is what lets
 * a receiver written for Alertmanager deduplicate and sort daybook's notifications the same way.
 */
export type Labels = Readonly<Record<string, string>>;

/** Prometheus' label names; `__` starts its reserved ones (rules, silences). */
export const isLabelName = (name: string): boolean => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) && !name.startsWith('__');

/**
 * The value of label `name`, if the set has it. Label names are any Prometheus name (a rule
 * may name one `constructor` or `toString`): an own property, never one Object.prototype
 * answers for.
 */
export const labelOf = (labels: Labels, name: string): string | undefined => (Object.hasOwn(labels, name) ? labels[name] : undefined);

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const encoder = new TextEncoder();

/**
 * Prometheus' label-set fingerprint (prometheus/common model.LabelSet.Fingerprint): FNV-1a 64
 * over the names in order, each name and value followed by the separator byte 0xff, printed
 * as 16 hex digits. Alertmanager's `fingerprint` field is this value.
 */
export function fingerprint(labels: Labels): string {
  let h = FNV_OFFSET;
  const add = (byte: number): void => {
    h = ((h ^ BigInt(byte)) * FNV_PRIME) & MASK;
  };
  for (const name of Object.keys(labels).sort()) {
    for (const b of encoder.encode(name)) add(b);
    add(0xff);
    for (const b of encoder.encode(labels[name]!)) add(b);
    add(0xff);
  }
  return h.toString(16).padStart(16, '0');
}

/** `{a="1", b="2"}`: Go's LabelSet.String(), the form of Alertmanager's group keys. */
export function labelsString(labels: Labels): string {
  return `{${Object.keys(labels).map((k) => `${k}=${JSON.stringify(labels[k])}`).sort().join(', ')}}`;
}

/** The same labels with their keys sorted: Go marshals maps sorted, and receivers diffing payloads see the same text. */
export function sortedLabels(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k]!;
  return out;
}

/**
 * Alertmanager's order of alerts in a notification (types.AlertSlice.Less): by the `job`
 * label, then `instance` (an alert having it first), then by the label sets
 * (model.LabelSet.Before: fewer labels first, then value by value in name order).
 */
export function compareAlertLabels(a: Labels, b: Labels): number {
  for (const key of ['job', 'instance']) {
    const x = labelOf(a, key);
    const y = labelOf(b, key);
    if (x === undefined && y === undefined) continue;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    if (x !== y) return x < y ? -1 : 1;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return ka.length - kb.length;
  for (const name of [...new Set([...ka, ...kb])].sort()) {
    const x = labelOf(a, name);
    const y = labelOf(b, name);
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The labels every one of the sets has with the same value (Alertmanager's commonLabels, commonAnnotations). */
export function commonLabels(sets: readonly Labels[]): Record<string, string> {
  if (sets.length === 0) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sets[0]!)) if (sets.every((s) => labelOf(s, k) === v)) out[k] = v;
  return sortedLabels(out);
}

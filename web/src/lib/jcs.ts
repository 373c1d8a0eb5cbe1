// RFC 8785 JSON Canonicalization Scheme for the JSON values the portal signs
// and hashes: object members sorted by UTF-16 code units, no whitespace,
// numbers and strings as ECMAScript serialises them (which is what RFC 8785
// specifies). Non-finite numbers and undefined members are refused.
export function canonicalize(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('JCS: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return '[' + value.map(canonicalize).join(',') + ']';
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    return '{' + keys.map((k) => {
      if (obj[k] === undefined) throw new TypeError(`JCS: undefined member ${k}`);
      return JSON.stringify(k) + ':' + canonicalize(obj[k]);
    }).join(',') + '}';
  }
  throw new TypeError(`JCS: cannot canonicalize a ${typeof value}`);
}

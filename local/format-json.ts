/**
 * JSON text laid out the way Biome formats the repository's JSON files (2-space indent, 100
 * columns): objects one member per line, and an array of scalars on one line when that line fits,
 * else one element per line. Generated files written with it pass `biome check` unchanged, so a
 * generator run on a clean tree changes nothing.
 */
const LINE_WIDTH = 100;
const INDENT = '  ';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isScalar(value: Json): value is null | boolean | number | string {
  return value === null || typeof value !== 'object';
}

/**
 * @param prefix what precedes the value on its line (indentation and `"key": `), to measure width
 * @param suffix what follows it on its line (a comma, or nothing)
 */
function render(value: Json, indent: string, prefix: string, suffix: string): string {
  if (isScalar(value)) return JSON.stringify(value);
  const inner = indent + INDENT;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every(isScalar)) {
      const flat = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
      if (prefix.length + flat.length + suffix.length <= LINE_WIDTH) return flat;
    }
    const items = value.map((item, index) => {
      const comma = index < value.length - 1 ? ',' : '';
      return `${inner}${render(item, inner, inner, comma)}${comma}`;
    });
    return `[\n${items.join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, member]) => member !== undefined);
  if (entries.length === 0) return '{}';
  const members = entries.map(([key, member], index) => {
    const comma = index < entries.length - 1 ? ',' : '';
    const head = `${inner}${JSON.stringify(key)}: `;
    return `${head}${render(member, inner, head, comma)}${comma}`;
  });
  return `{\n${members.join('\n')}\n${indent}}`;
}

/** The file's text, ending with a newline. */
export function formatJson(value: unknown): string {
  // A round trip drops what JSON cannot hold (undefined members, functions) as JSON.stringify does.
  const plain = JSON.parse(JSON.stringify(value)) as Json;
  return `${render(plain, '', '', '')}\n`;
}

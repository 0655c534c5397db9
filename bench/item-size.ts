import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * An item's size as DynamoDB bills it ("DynamoDB item sizes and formats", Developer Guide):
 * attribute names plus values; strings and binaries by their bytes, numbers one byte per two
 * significant digits plus one, booleans and nulls one byte, lists and maps three bytes plus one per
 * element plus their elements.
 */
export function itemSize(item: Record<string, AttributeValue>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    total += Buffer.byteLength(name, 'utf8') + valueSize(value);
  }
  return total;
}

function numberSize(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '');
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(significant.length, 1) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, entry) => sum + Buffer.byteLength(entry, 'utf8'), 0);
  if (value.NS) return value.NS.reduce((sum, entry) => sum + numberSize(entry), 0);
  if (value.BS) return value.BS.reduce((sum, entry) => sum + entry.byteLength, 0);
  if (value.L) return 3 + value.L.reduce((sum, entry) => sum + 1 + valueSize(entry), 0);
  if (value.M) {
    return (
      3 +
      Object.entries(value.M).reduce(
        (sum, [name, entry]) => sum + 1 + Buffer.byteLength(name, 'utf8') + valueSize(entry),
        0,
      )
    );
  }
  return 0;
}

/** Request units for one item: reads in 4 KB steps, writes in 1 KB steps. */
export function readUnits(bytes: number, transactional = false): number {
  return Math.max(1, Math.ceil(bytes / 4096)) * (transactional ? 2 : 1);
}

export function writeUnits(bytes: number, transactional = false): number {
  return Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);
}

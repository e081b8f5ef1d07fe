// The YAML config file (-c PATH), read and parsed with bounds: a regular file only (a FIFO, a
// device or a directory is refused before it is opened for reading), at most MAX_CONFIG_BYTES,
// parsed in time linear in its size, with no anchors/aliases, no tags beyond the core schema's,
// mappings at most MAX_CONFIG_DEPTH deep, each key given once (duplicates, or the same key both
// dotted and nested, are refused). Limits: docs/interfaces.md, "Limits".
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, parseDocument, type YAMLMap, type Node as YamlNode } from 'yaml';

/** A config file is ~1 KB; 64 KiB leaves 60x headroom and parses in tens of milliseconds. */
export const MAX_CONFIG_BYTES = 64 * 1024;
/** Nesting of mappings (and a list under a key); the deepest real key has 2 levels. */
export const MAX_CONFIG_DEPTH = 8;
/** Core-schema tags; anything else (`!foo`, `!!binary`, `!!set`, ...) is refused. */
const ALLOWED_TAGS: ReadonlySet<string> = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`),
);

/** Thrown for a file that cannot be used; config.ts turns it into a ConfigError naming the file. */
export class ConfigFileError extends Error {
  readonly expected: string;
  constructor(expected: string, got: string) {
    super(got);
    this.name = 'ConfigFileError';
    this.expected = expected;
  }
}

/** A key as it may be shown in an error line: plain when it looks like a key, else quoted and cut. */
export function keyText(key: string): string {
  return /^[A-Za-z0-9_.-]{1,100}$/.test(key) ? key : JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}...` : key);
}

function kind(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'a socket'; // the one kind left: stat() follows symlinks
}

function tooBig(size: number): ConfigFileError {
  return new ConfigFileError(`a regular file of at most ${MAX_CONFIG_BYTES} bytes`, `${size} bytes or more`);
}

/**
 * Reads a config file with the guards above. stat() first, so a FIFO is refused without the
 * open() that would block on it; then open with O_NONBLOCK (a path swapped for a FIFO meanwhile
 * does not block either), fstat the descriptor, and read at most MAX_CONFIG_BYTES + 1 bytes.
 */
export function readConfigFile(path: string): string {
  const first = statSync(path);
  if (!first.isFile()) throw new ConfigFileError('a regular file', kind(first));
  if (first.size > MAX_CONFIG_BYTES) throw tooBig(first.size);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    // Stryker disable next-line all: only a path swapped between stat() and open() reaches this (a race a test cannot stage)
    if (!st.isFile()) throw new ConfigFileError('a regular file', kind(st));
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      // Stryker disable next-line ConditionalExpression: only a file that grew after stat() (or lies about its size) reaches this
      if (n > MAX_CONFIG_BYTES) throw tooBig(n);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, n));
    } catch {
      throw new ConfigFileError('UTF-8 text', 'bytes that are not UTF-8');
    }
  } finally {
    closeSync(fd);
  }
}

/** ` at line N` for a node of the parsed tree (the parser gives every node its range). */
function lineAt(offset: number, text: string): string {
  return ` at line ${text.slice(0, offset).split('\n').length}`;
}

function where(node: YamlNode, text: string): string {
  return lineAt((node.range as [number, number, number])[0], text);
}

/**
 * Deepest nesting of flow collections (`[`, `{`) outside quotes and comments, found in one pass:
 * the parser recurses per level (32 K levels take it over a second to refuse), so this is checked
 * first. A quote or `#` counts only where YAML starts a quoted scalar or a comment.
 */
export function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote = '';
  // Stryker disable next-line EqualityOperator: text[text.length] is undefined, which no branch acts on
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== '') {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    const prev = i === 0 ? '\n' : text[i - 1];
    const atStart = prev === ' ' || prev === '\t' || prev === '\n' || prev === '\r';
    if ((c === '"' || c === "'") && (atStart || prev === ':' || prev === '[' || prev === '{' || prev === ',' || prev === '-')) quote = c;
    else if (c === '#' && atStart) {
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? text.length : eol;
    } else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return max;
}

/**
 * Parses YAML text into dotted keys -> values (scalars, or lists of scalars), in one pass over the
 * syntax tree: O(size). The yaml package's own `uniqueKeys` check compares each new key with every
 * earlier one (yaml 2.9.1 dist/compose/util-map-includes.js, `items.some(...)` per key: quadratic,
 * 26 s for 1 MiB of keys), so it is off and duplicates are found here with a Set instead.
 */
export function parseConfigYaml(text: string): Map<string, unknown> {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_CONFIG_BYTES) throw tooBig(bytes);
  const flow = flowDepth(text);
  if (flow > MAX_CONFIG_DEPTH)
    throw new ConfigFileError(`mappings at most ${MAX_CONFIG_DEPTH} deep`, `flow collections ([ ] { }) ${flow} deep`);
  // parseDocument reports problems in doc.errors and doc.warnings rather than throwing
  const doc = parseDocument(text, { strict: true, uniqueKeys: false, prettyErrors: false });
  // Warnings (an unresolved tag, ...) are refused too: a value the parser guessed at is not loaded.
  const [error] = doc.errors;
  // the parser's first message line (never the file's text) and the line where it noticed the problem
  // (for an unclosed quote, the end of the file), as `prettyErrors` would add it
  if (error !== undefined) throw new ConfigFileError('valid YAML', `${error.message.split('\n')[0]}${lineAt(error.pos[0], text)}`);
  const [warning] = doc.warnings;
  if (warning !== undefined)
    throw new ConfigFileError(
      'YAML with no unknown tags or other warnings',
      `${warning.message.split('\n')[0]}${lineAt(warning.pos[0], text)}`,
    );
  const out = new Map<string, unknown>();
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return out;
  if (!isMap(root)) throw new ConfigFileError('a YAML mapping of keys', isSeq(root) ? 'a list' : 'a single value');

  const at = (key: string): string => (key === '' ? 'the top level' : keyText(key));
  const check = (node: YamlNode | null, key: string): void => {
    if (node === null) return;
    if (isAlias(node) || (node as { anchor?: string }).anchor !== undefined) {
      throw new ConfigFileError('no YAML anchors or aliases', `one at ${at(key)}${where(node, text)}`);
    }
    if (node.tag !== undefined && !ALLOWED_TAGS.has(node.tag)) {
      throw new ConfigFileError(
        'no YAML tags beyond str, int, float, bool, null, map, seq',
        // only a tag the parser resolved gets here (an unknown one is a warning above): from yaml's fixed set
        `tag ${JSON.stringify(node.tag)} at ${at(key)}${where(node, text)}`,
      );
    }
  };
  const walk = (map: YAMLMap, prefix: string, depth: number): void => {
    if (depth > MAX_CONFIG_DEPTH)
      throw new ConfigFileError(`mappings at most ${MAX_CONFIG_DEPTH} deep`, `deeper at ${keyText(prefix)}${where(map, text)}`);
    const seen = new Set<string>();
    for (const pair of map.items) {
      const k = pair.key as YamlNode | null;
      check(k, prefix);
      if (!isScalar(k) || typeof k.value !== 'string' || k.value === '') {
        throw new ConfigFileError('keys that are non-empty strings', `a key of another kind under ${at(prefix)}${where(k ?? map, text)}`);
      }
      const key = prefix ? `${prefix}.${k.value}` : k.value;
      if (seen.has(k.value)) throw new ConfigFileError('each key given once', `${keyText(key)} given twice${where(k, text)}`);
      seen.add(k.value);
      const v = pair.value as YamlNode | null;
      check(v, key);
      if (isMap(v)) {
        walk(v, key, depth + 1);
        continue;
      }
      let value: unknown;
      if (isSeq(v)) {
        if (depth + 1 > MAX_CONFIG_DEPTH)
          throw new ConfigFileError(`mappings at most ${MAX_CONFIG_DEPTH} deep`, `deeper at ${keyText(key)}${where(v, text)}`);
        value = v.items.map((item) => {
          const node = item as YamlNode | null;
          check(node, key);
          if (!isScalar(node))
            throw new ConfigFileError('a list of plain values', `a nested list or mapping in ${keyText(key)}${where(node ?? v, text)}`);
          return node.value;
        });
      } else {
        value = isScalar(v) ? v.value : null; // a map or list was handled above, an alias refused
      }
      if (out.has(key)) {
        throw new ConfigFileError('each key given once (dotted or nested, not both)', `${keyText(key)} given twice${where(k, text)}`);
      }
      out.set(key, value);
    }
  };
  walk(root, '', 1);
  return out;
}

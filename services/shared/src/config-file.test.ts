import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { REAL_CLOCK_RETRIES } from '../../../test/support/poll.ts';
import { thrown } from '../../../test/support/thrown.ts';
import { ConfigFileError, flowDepth, keyText, MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, parseConfigYaml, readConfigFile } from './config-file.ts';

const fileError = (fn: () => unknown): ConfigFileError => thrown(fn, ConfigFileError);
const refusal = (fn: () => unknown): [string, string] => {
  const err = fileError(fn);
  return [err.expected, err.message];
};
const TOO_BIG = `a regular file of at most ${MAX_CONFIG_BYTES} bytes`;

describe('shared/config-file', () => {
  describe('readConfigFile', () => {
    let dir: string;
    let socket: Server | undefined;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'config-file-'));
    });
    after(() => {
      socket?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('reads a regular file, also through a symlink (a ConfigMap mount is one), and keeps no descriptor open', () => {
      writeFileSync(join(dir, 'ok.yaml'), 'log:\n  level: debug\n');
      symlinkSync(join(dir, 'ok.yaml'), join(dir, 'link.yaml'));
      writeFileSync(join(dir, 'latin1.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
      const fds = readdirSync('/proc/self/fd').length;
      for (let i = 0; i < 20; i++) {
        expect(readConfigFile(join(dir, 'link.yaml'))).to.equal('log:\n  level: debug\n');
        expect(refusal(() => readConfigFile(join(dir, 'latin1.yaml')))).to.deep.equal(['UTF-8 text', 'bytes that are not UTF-8']);
      }
      expect(readdirSync('/proc/self/fd').length).to.equal(fds);
    });

    it('refuses a FIFO at once instead of blocking on it', () => {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const t0 = performance.now();
      const err = fileError(() => readConfigFile(fifo));
      expect([err.name, err.expected, err.message]).to.deep.equal(['ConfigFileError', 'a regular file', 'a FIFO (named pipe)']);
      expect(performance.now() - t0).to.be.below(1000);
    });

    it('refuses devices, a directory, a socket, and a file over the cap', async () => {
      expect(refusal(() => readConfigFile('/dev/zero'))).to.deep.equal(['a regular file', 'a device']);
      if (existsSync('/dev/loop0')) expect(fileError(() => readConfigFile('/dev/loop0')).message).to.equal('a device');
      expect(fileError(() => readConfigFile(dir)).message).to.equal('a directory');
      const path = join(dir, 'sock');
      socket = createServer();
      await new Promise<void>((resolve) => socket?.listen(path, resolve));
      expect(refusal(() => readConfigFile(path))).to.deep.equal(['a regular file', 'a socket']);
      writeFileSync(join(dir, 'big.yaml'), 'a'.repeat(100_000));
      expect(refusal(() => readConfigFile(join(dir, 'big.yaml')))).to.deep.equal([TOO_BIG, '100000 bytes or more']);
      writeFileSync(join(dir, 'cap.yaml'), 'a'.repeat(MAX_CONFIG_BYTES));
      expect(readConfigFile(join(dir, 'cap.yaml'))).to.have.length(MAX_CONFIG_BYTES);
    });
  });

  describe('parseConfigYaml', () => {
    it('flattens nested and dotted keys; lists stay lists; core tags are allowed', () => {
      const m = parseConfigYaml('ping:\n  intervalMs: 5\nlog.level: debug\nidentity:\n  expected: [a, b]\nx: !!str 12\n');
      expect([...m]).to.deep.equal([
        ['ping.intervalMs', 5],
        ['log.level', 'debug'],
        ['identity.expected', ['a', 'b']],
        ['x', '12'],
      ]);
      const tags = parseConfigYaml('i: !!int 1\nf: !!float 1.5\nb: !!bool true\nn: !!null ~\nm: !!map {k: v}\ns: !!seq [1]\n? e\nz:\n');
      expect([...tags]).to.deep.equal([
        ['i', 1],
        ['f', 1.5],
        ['b', true],
        ['n', null],
        ['m.k', 'v'],
        ['s', [1]],
        ['e', null],
        ['z', null],
      ]);
      for (const empty of ['', '# only a comment\n', '~\n', '---\n', `#${'x'.repeat(MAX_CONFIG_BYTES - 2)}\n`])
        expect(parseConfigYaml(empty).size, empty.slice(0, 20)).to.equal(0);
    });

    it('refuses what it cannot load exactly, naming what was expected, the key and the line', () => {
      const nest = (n: number, value: string) =>
        `${Array.from({ length: n }, (_, i) => `${' '.repeat(i * 2)}k${i}:`).join('\n')} ${value}\n`;
      const path8 = Array.from({ length: 8 }, (_, i) => `k${i}`).join('.');
      const deep = `mappings at most ${MAX_CONFIG_DEPTH} deep`;
      const tags = 'no YAML tags beyond str, int, float, bool, null, map, seq';
      const anchors = 'no YAML anchors or aliases';
      const keys = 'keys that are non-empty strings';
      const plain = 'a list of plain values';
      const cases: [string, string, string][] = [
        [
          'ping:\n  intervalMs: 5\nping.intervalMs: 7\n',
          'each key given once (dotted or nested, not both)',
          'ping.intervalMs given twice at line 3',
        ],
        ['ping:\n  a: 1\nping:\n  b: 2\n', 'each key given once', 'ping given twice at line 3'],
        ['a: !foo x\n', 'YAML with no unknown tags or other warnings', 'Unresolved tag: !foo at line 1'],
        ['a: !!binary aGVsbG8=\n', tags, 'tag "tag:yaml.org,2002:binary" at a at line 1'],
        ['a: 1\nb: !!set {x}\n', tags, 'tag "tag:yaml.org,2002:set" at b at line 2'],
        ['a: &x 1\nb: 2\n', anchors, 'one at a at line 1'],
        ['a: &x [1]\nb: *x\n', anchors, 'one at a at line 1'],
        ['&k a: 1\n', anchors, 'one at the top level at line 1'],
        ['a: [1, &x 2]\n', anchors, 'one at a at line 1'],
        ['\nb: 1\nc: &x 2', anchors, 'one at c at line 3'],
        ['a:\n  b: 1\n  1: x\n', keys, 'a key of another kind under a at line 3'],
        ['1: x\n', keys, 'a key of another kind under the top level at line 1'],
        ['"": x\n', keys, 'a key of another kind under the top level at line 1'],
        ['a:\n  - 1\n  - [2]\n', plain, 'a nested list or mapping in a at line 3'],
        ['a: [{b: 1}]\n', plain, 'a nested list or mapping in a at line 1'],
        [`a: ${'['.repeat(MAX_CONFIG_DEPTH)}1${']'.repeat(MAX_CONFIG_DEPTH)}\n`, plain, 'a nested list or mapping in a at line 1'],
        [`a: ${'['.repeat(MAX_CONFIG_DEPTH + 1)}`, deep, `flow collections ([ ] { }) ${MAX_CONFIG_DEPTH + 1} deep`],
        [nest(MAX_CONFIG_DEPTH + 1, '1'), deep, `deeper at ${path8} at line 9`],
        [nest(MAX_CONFIG_DEPTH, '[1]'), deep, `deeper at ${path8} at line 8`],
        ['- 1\n', 'a YAML mapping of keys', 'a list'],
        ['hello\n', 'a YAML mapping of keys', 'a single value'],
        ['a: "x\n', 'valid YAML', 'Missing closing "quote at line 2'],
        ['a: 1\nb: 2\nc: "x\n', 'valid YAML', 'Missing closing "quote at line 4'],
        [
          `${'k'.repeat(1100)}: 1\n`,
          'valid YAML',
          'The : indicator must be at most 1024 chars after the start of an implicit block mapping key at line 1',
        ],
        ['a'.repeat(MAX_CONFIG_BYTES + 1), TOO_BIG, `${MAX_CONFIG_BYTES + 1} bytes or more`],
        ['é'.repeat(MAX_CONFIG_BYTES / 2 + 1), TOO_BIG, `${MAX_CONFIG_BYTES + 2} bytes or more`],
      ];
      for (const [yaml, expected, message] of cases) {
        expect(
          refusal(() => parseConfigYaml(yaml)),
          yaml.slice(0, 40),
        ).to.deep.equal([expected, message]);
      }
      expect(parseConfigYaml(nest(MAX_CONFIG_DEPTH, '1')).get(path8)).to.equal(1);
      expect(parseConfigYaml(nest(MAX_CONFIG_DEPTH - 1, '[1]')).size).to.equal(1);
    });

    it('counts flow nesting outside quoted scalars and comments', () => {
      const cases: [string, number][] = [
        ['', 0],
        ['a: [1, [2]]', 2],
        ['a: {b: [c]}\nd: {e}', 2],
        ['a: [1]\nb: [2]\nc: {3}', 1],
        [']]] [', 1],
        ['}}} {', 1],
        ['{a} {b} {c}', 1],
        ['"[[" [', 1],
        ['\t"[["', 0],
        ['a:\n"[[["', 0],
        ['\r"[[["', 0],
        ['a: "[[["', 0],
        ["a: '[[['", 0],
        ['a: "x\\"[[" [', 1],
        ["a: 'x\\' [", 1],
        ['["[[[", 1]', 1],
        ['{"[[": 1}', 1],
        ['[1,"[[["]', 1],
        ['-"[[["', 0],
        ['a:"[[["', 0],
        ['a: b"[[', 2],
        ['# [[[', 0],
        ['a: 1 # [[[\nb: [[1]]', 2],
        ['a: [1] # [[[', 1],
        ['a: b#[[', 2],
      ];
      for (const [text, depth] of cases) expect(flowDepth(text), JSON.stringify(text)).to.equal(depth);
    });

    it('shows a key plainly when it looks like one, else quoted and cut', () => {
      expect(keyText('a.b-c_D9')).to.equal('a.b-c_D9');
      expect(keyText('x'.repeat(100))).to.equal('x'.repeat(100));
      expect(keyText('x'.repeat(101))).to.equal(`"${'x'.repeat(60)}..."`);
      expect(keyText(`a ${'x'.repeat(58)}`)).to.equal(`"a ${'x'.repeat(58)}"`);
      expect(keyText(`a ${'x'.repeat(59)}`)).to.equal(`"a ${'x'.repeat(58)}..."`);
      expect(keyText('a\u001b[31m')).to.equal('"a\\u001b[31m"');
    });

    it('parses a file of the largest size in linear time (no pairwise key check)', function () {
      this.retries(REAL_CLOCK_RETRIES);
      let text = '';
      let keys = 0;
      for (; text.length < MAX_CONFIG_BYTES - 40; keys++) text += `unknownKey${keys}: ${keys}\n`;
      const flow = `a: ${'['.repeat(MAX_CONFIG_BYTES / 2 - 4)}\n`;
      // every distinct key parsed; the deep nesting refused (MAX_CONFIG_DEPTH), not parsed
      for (const [what, input, expected] of [
        ['distinct keys', text, keys],
        ['flow nesting', flow, -1],
      ] as const) {
        const t0 = performance.now();
        let size = -1;
        try {
          size = parseConfigYaml(input).size;
        } catch (err) {
          expect(err).to.be.instanceOf(ConfigFileError);
        }
        const ms = performance.now() - t0;
        expect(size, what).to.equal(expected);
        console.log(
          `      config-file: ${(input.length / 1024).toFixed(0)} KiB of ${what}: ${size < 0 ? 'refused' : `${size} keys`} in ${ms.toFixed(0)} ms`,
        );
        expect(ms).to.be.below(1000);
      }
    });
  });
});

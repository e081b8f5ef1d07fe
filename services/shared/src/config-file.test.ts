import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { thrown } from '../../../test/support/thrown.ts';
import { ConfigFileError, MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, parseConfigYaml, readConfigFile } from './config-file.ts';

const fileError = (fn: () => unknown): ConfigFileError => thrown(fn, ConfigFileError);

describe('shared/config-file', () => {
  describe('readConfigFile', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'config-file-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads a regular file, also through a symlink (a ConfigMap mount is one)', () => {
      writeFileSync(join(dir, 'ok.yaml'), 'log:\n  level: debug\n');
      symlinkSync(join(dir, 'ok.yaml'), join(dir, 'link.yaml'));
      expect(readConfigFile(join(dir, 'link.yaml'))).to.equal('log:\n  level: debug\n');
    });

    it('refuses a FIFO at once instead of blocking on it', () => {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const t0 = performance.now();
      const err = fileError(() => readConfigFile(fifo));
      expect(err.message).to.equal('a FIFO (named pipe)');
      expect(performance.now() - t0).to.be.below(1000);
    });

    it('refuses /dev/zero, a directory, and a file over the cap', () => {
      expect(fileError(() => readConfigFile('/dev/zero')).message).to.equal('a device');
      expect(fileError(() => readConfigFile(dir)).message).to.equal('a directory');
      writeFileSync(join(dir, 'big.yaml'), 'a'.repeat(MAX_CONFIG_BYTES + 1));
      const big = fileError(() => readConfigFile(join(dir, 'big.yaml')));
      expect(big.expected).to.equal(`a regular file of at most ${MAX_CONFIG_BYTES} bytes`);
      writeFileSync(join(dir, 'cap.yaml'), 'a'.repeat(MAX_CONFIG_BYTES));
      expect(readConfigFile(join(dir, 'cap.yaml'))).to.have.length(MAX_CONFIG_BYTES);
    });

    it('refuses bytes that are not UTF-8', () => {
      writeFileSync(join(dir, 'latin1.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
      expect(fileError(() => readConfigFile(join(dir, 'latin1.yaml'))).expected).to.equal('UTF-8 text');
    });
  });

  describe('parseConfigYaml', () => {
    it('flattens nested and dotted keys; lists stay lists', () => {
      const m = parseConfigYaml('ping:\n  intervalMs: 5\nlog.level: debug\nidentity:\n  expected: [a, b]\nx: !!str 12\n');
      expect([...m]).to.deep.equal([
        ['ping.intervalMs', 5],
        ['log.level', 'debug'],
        ['identity.expected', ['a', 'b']],
        ['x', '12'],
      ]);
      expect(parseConfigYaml('').size).to.equal(0);
      expect(parseConfigYaml('# only a comment\n').size).to.equal(0);
    });

    it('refuses a key given both dotted and nested, and a key given twice in one mapping', () => {
      const both = fileError(() => parseConfigYaml('ping:\n  intervalMs: 5\nping.intervalMs: 7\n'));
      expect(both.message).to.equal('ping.intervalMs given twice at line 3');
      expect(both.expected).to.include('dotted or nested, not both');
      expect(fileError(() => parseConfigYaml('ping:\n  a: 1\nping:\n  b: 2\n')).message).to.equal('ping given twice at line 3');
    });

    it('refuses unknown tags, non-core tags, anchors and aliases', () => {
      expect(fileError(() => parseConfigYaml('a: !foo x\n')).message).to.match(/^Unresolved tag: !foo/);
      expect(fileError(() => parseConfigYaml('a: !!binary aGVsbG8=\n')).message).to.match(/^tag "tag:yaml.org,2002:binary" at a at line 1/);
      expect(fileError(() => parseConfigYaml('a: !!set {x}\n')).expected).to.include('no YAML tags beyond');
      expect(fileError(() => parseConfigYaml('a: &x 1\nb: 2\n')).expected).to.equal('no YAML anchors or aliases');
      expect(fileError(() => parseConfigYaml('a: &x [1]\nb: *x\n')).expected).to.equal('no YAML anchors or aliases');
    });

    it('refuses nesting deeper than the limit, lists of lists and non-string keys', () => {
      const deep = (n: number) => `${Array.from({ length: n }, (_, i) => `${' '.repeat(i * 2)}k${i}:`).join('\n')} 1\n`;
      expect(parseConfigYaml(deep(MAX_CONFIG_DEPTH)).size).to.equal(1);
      expect(fileError(() => parseConfigYaml(deep(MAX_CONFIG_DEPTH + 1))).expected).to.equal(`mappings at most ${MAX_CONFIG_DEPTH} deep`);
      expect(fileError(() => parseConfigYaml('a: [[1]]\n')).expected).to.equal('a list of plain values');
      expect(fileError(() => parseConfigYaml(`a: ${'['.repeat(MAX_CONFIG_DEPTH + 1)}`)).message).to.equal(
        `flow collections ([ ] { }) ${MAX_CONFIG_DEPTH + 1} deep`,
      );
      expect(parseConfigYaml("a: \"[[[[[[[[[[[[\" # {{{{{{{{{{{{\nb: '{{{{{{{{{{''{{{{'\n").get('a')).to.equal('[[[[[[[[[[[[');
      expect(fileError(() => parseConfigYaml('1: x\n')).expected).to.equal('keys that are non-empty strings');
      expect(fileError(() => parseConfigYaml('- 1\n')).expected).to.equal('a YAML mapping of keys');
    });

    it('parses a file of the largest size in linear time (no pairwise key check)', () => {
      let text = '';
      for (let i = 0; text.length < MAX_CONFIG_BYTES - 40; i++) text += `unknownKey${i}: ${i}\n`;
      const flow = `a: ${'['.repeat(MAX_CONFIG_BYTES / 2 - 4)}\n`;
      for (const [what, input] of [
        ['distinct keys', text],
        ['flow nesting', flow],
      ] as const) {
        const t0 = performance.now();
        let size = -1;
        try {
          size = parseConfigYaml(input).size;
        } catch (err) {
          expect(err).to.be.instanceOf(ConfigFileError);
        }
        const ms = performance.now() - t0;
        console.log(
          `      config-file: ${(input.length / 1024).toFixed(0)} KiB of ${what}: ${size < 0 ? 'refused' : `${size} keys`} in ${ms.toFixed(0)} ms`,
        );
        expect(ms).to.be.below(1000);
      }
    });
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import type { DemoSummary } from '../../src/cli/commands/demo.js';
import { ROOT, tempDir } from '../helpers.js';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'voxelpipe', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** Runs the CLI from source in a child process (the view command serves until a signal). */
function child(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (c: Buffer) => (out += c));
  p.stderr.on('data', (c: Buffer) => (err += c));
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  const line = (re: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = out.match(re);
        if (m) resolve(m);
      };
      p.stdout.on('data', check);
      p.on('exit', () => reject(new Error(`exited before printing ${re}: ${out}${err}`)));
      check();
    });
  return { p, line, exited, output: () => ({ out, err }) };
}

test('demo prints the view command for its MMAR; that command serves the page, prints its URL and stops on Ctrl-C', async (t) => {
  const out = join(tempDir(t), 'demo');
  const d = await cli('demo', '--out', out, '--size', 'small', '--workers', '0', '--json');
  assert.equal(d.code, 0, d.err);
  const s = JSON.parse(d.out) as DemoSummary;
  assert.equal(s.commands.view, `npx voxelpipe view --config ${s.config} --mmar ${out}`);
  const human = await cli('demo', '--out', out, '--size', 'small', '--workers', '0');
  assert.ok(human.out.includes(`\n  ${s.commands.view}\n`), 'the human summary lists it under "Go on with this MMAR"');

  // --open runs the desktop's opener: here a stand-in xdg-open that writes down what it was asked to open.
  const bin = join(tempDir(t), 'bin');
  mkdirSync(bin);
  const opened = join(bin, 'opened.txt');
  writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, { mode: 0o755 });
  const c = child([...s.commands.view.split(' ').slice(2), '--port', '0', '--open'], { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` });
  t.after(() => c.p.kill('SIGKILL'));
  const [, url] = await c.line(/^voxelpipe view: (http:\/\/127\.0\.0\.1:\d+\/) {2}\(train section of .*config_train\.json, seed 0; Ctrl-C stops\)$/m);
  const info = (await (await fetch(`${url}api/info`)).json()) as { config: string; items: unknown[] };
  assert.equal(info.config, s.config);
  assert.equal(info.items.length, 5);
  assert.equal((await fetch(`${url}api/sample?epoch=0&index=0`)).status, 200);
  if (process.platform === 'linux') {
    for (let k = 0; k < 100 && !existsSync(opened); k++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(readFileSync(opened, 'utf8'), url);
  }
  c.p.kill('SIGINT');
  assert.equal(await c.exited, 0);
  assert.match(c.output().out, /voxelpipe view: stopped \(SIGINT\)\n$/);
  assert.match(c.output().err, /^voxelpipe: warning: ignoring Clara keys/);
});

test('view: a port in use, a host that is not this machine, a bad port: one line each, exit 1', async (t) => {
  const out = join(tempDir(t), 'demo');
  const d = await cli('demo', '--out', out, '--size', 'small', '--workers', '0', '--json');
  const s = JSON.parse(d.out) as DemoSummary;
  const base = ['view', '--config', s.config, '--mmar', out];
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const busy = await cli(...base, '--port', String(port));
  assert.equal(busy.code, 1);
  assert.match(busy.err, new RegExp(`^voxelpipe: warning: .*\\nvoxelpipe: view: port ${port} on 127\\.0\\.0\\.1 is in use; pick another with --port \\(0 picks a free one\\)\\n$`));
  const far = await cli(...base, '--port', '0', '--host', '203.0.113.7');
  assert.equal(far.code, 1);
  assert.match(far.err, /\nvoxelpipe: view: cannot listen on host "203\.0\.113\.7" \(not an address of this machine\)\n$/);
  const bad = await cli(...base, '--port', 'eighty');
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /--port <n>' argument 'eighty' is invalid\. expected a whole number >= 0/);
});

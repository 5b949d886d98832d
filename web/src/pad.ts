import { lightBackground } from '../../src/index.ts';
import { readGrey } from './pixels.ts';

/**
 * A canvas to draw a digit on with mouse, pen or touch: a thick white stroke on black, as MNIST's
 * digits are. Dropped or pasted pictures land on it too, so there is one input to read.
 */
export class DrawingPad {
  /** Called while a stroke is drawn (throttled by the caller) and when it ends. */
  onChange: (final: boolean) => void = () => {};
  private readonly ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private inked = false;

  constructor(readonly canvas: HTMLCanvasElement, private readonly strokeWidth = 22) {
    this.ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.last = this.point(e);
      this.dot(this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.last) return;
      // Coalesced events keep fast strokes smooth where the browser batches them.
      for (const ev of e.getCoalescedEvents?.() ?? [e]) {
        const p = this.point(ev);
        this.line(this.last, p);
        this.last = p;
      }
      this.onChange(false);
    });
    const end = () => {
      if (!this.last) return;
      this.last = null;
      this.onChange(true);
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  /** Whether anything has been drawn or loaded since the last clear. */
  get hasInk(): boolean {
    return this.inked;
  }

  clear(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.inked = false;
  }

  /** Grey pixels in [0, 255] at the canvas' own size. */
  read(): { grey: Float32Array; width: number; height: number } {
    return readGrey(this.canvas);
  }

  /**
   * Puts a picture on the pad, fitted with its aspect kept. Unless `colour` (for a colour model,
   * which takes pictures as they are), a light background (a photo of ink on paper) is inverted,
   * so the pad holds light ink on black.
   */
  showImage(source: CanvasImageSource, width: number, height: number, colour = false): void {
    this.clear();
    const scale = Math.min(this.canvas.width / width, this.canvas.height / height);
    const [w, h] = [width * scale, height * scale];
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(source, (this.canvas.width - w) / 2, (this.canvas.height - h) / 2, w, h);
    if (!colour && lightBackground(this.read().grey)) {
      const image = this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
      for (let i = 0; i < image.data.length; i += 4) for (let c = 0; c < 3; c++) image.data[i + c] = 255 - image.data[i + c];
      this.ctx.putImageData(image, 0, 0);
    }
    this.inked = true;
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }

  private dot(p: { x: number; y: number }): void {
    this.ctx.fillStyle = '#fff';
    this.ctx.beginPath();
    this.ctx.arc(p.x, p.y, this.strokeWidth / 2, 0, 2 * Math.PI);
    this.ctx.fill();
    this.inked = true;
  }

  private line(a: { x: number; y: number }, b: { x: number; y: number }): void {
    Object.assign(this.ctx, { strokeStyle: '#fff', lineWidth: this.strokeWidth, lineCap: 'round', lineJoin: 'round' });
    this.ctx.beginPath();
    this.ctx.moveTo(a.x, a.y);
    this.ctx.lineTo(b.x, b.y);
    this.ctx.stroke();
    this.inked = true;
  }
}

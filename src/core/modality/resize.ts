// Area-average resize of a small HWC uint8 image (box filter over fractional source cells), for
// the import checks that work on the vault's model-size tensors whatever their size.
export function boxResize(src: Uint8Array, h: number, w: number, c: number, toH: number, toW: number): Uint8Array {
  if (src.length !== h * w * c) throw new Error(`expected ${h}x${w}x${c} = ${h * w * c} bytes, got ${src.length}`);
  if (h === toH && w === toW) return src;
  const out = new Uint8Array(toH * toW * c);
  const sy = h / toH;
  const sx = w / toW;
  for (let y = 0; y < toH; y++) {
    const y0 = y * sy;
    const y1 = y0 + sy;
    for (let x = 0; x < toW; x++) {
      const x0 = x * sx;
      const x1 = x0 + sx;
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        let area = 0;
        for (let yy = Math.floor(y0); yy < Math.min(h, Math.ceil(y1)); yy++) {
          const wy = Math.min(y1, yy + 1) - Math.max(y0, yy);
          for (let xx = Math.floor(x0); xx < Math.min(w, Math.ceil(x1)); xx++) {
            const wgt = wy * (Math.min(x1, xx + 1) - Math.max(x0, xx));
            sum += wgt * (src[(yy * w + xx) * c + ch] as number);
            area += wgt;
          }
        }
        out[(y * toW + x) * c + ch] = Math.round(sum / area);
      }
    }
  }
  return out;
}

/**
 * Stadium outlines as rects. mermaid draws a stadium `([…])` node's outline as a path of
 * thousands of short bezier segments: two thirds of the bytes of the gallery's drawings. When
 * every point of such a path lies on a pill (straight top and bottom, half circles of the
 * height's radius at both ends) it is the same pill as a `<rect rx>`.
 *
 * On the SVG's text, before anything parses it. It runs in the renderer page right after the
 * drawing (mermaid-browser.ts sends it there as source, so it uses nothing outside its own
 * body), which then hands over a third of the bytes, and again in lightenSvg (mermaid-svgo.ts)
 * for drawings made before: on its own output it changes nothing.
 */
/** Decimals kept in numbers: a hundredth of a CSS pixel (mermaid-svgo.ts rounds to the same). */
export const PRECISION = 2;

export function stadiumsAsRects(svg: string, precision: number): string {
  /** The numbers of a path made of M and C commands only, as [x, y] points; else undefined. */
  const pathPoints = (d: string): [number, number][] | undefined => {
    if (/[^MC\d\s.,eE+-]/.test(d)) return undefined;
    const nums = d.match(/-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g)?.map(Number) ?? [];
    if (nums.length < 4 || nums.length % 2 !== 0) return undefined;
    const points: [number, number][] = [];
    for (let i = 0; i < nums.length; i += 2) points.push([nums[i] ?? 0, nums[i + 1] ?? 0]);
    return points;
  };
  /**
   * The pill a path outlines, when every point of it (bezier control points included:
   * mermaid's segments are short and straight-ish) lies within half a pixel of a pill's
   * boundary.
   */
  const pillOf = (d: string) => {
    const points = pathPoints(d);
    if (!points) return undefined;
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const r = (y1 - y0) / 2;
    if (r <= 0 || x1 - x0 < 2 * r) return undefined;
    const cy = (y0 + y1) / 2;
    const onPill = ([x, y]: [number, number]) => {
      if (x >= x0 + r && x <= x1 - r) return Math.abs(Math.abs(y - cy) - r) <= 0.5;
      const cx = x < x0 + r ? x0 + r : x1 - r;
      return Math.abs(Math.hypot(x - cx, y - cy) - r) <= 0.5;
    };
    if (!points.every(onPill)) return undefined;
    // Both ends reached: a real pill, not a shape that happens to sit on part of one.
    if (!xs.some((x) => x - x0 < 0.5) || !xs.some((x) => x1 - x < 0.5)) return undefined;
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  };
  const round = (n: number) => String(Number(n.toFixed(precision)));
  return svg.replace(/<path d="([^"]{400,})"([^>]*?)(\/>|><\/path>)/g, (whole, d: string, rest) => {
    const pill = pillOf(d);
    if (!pill) return whole;
    const { x, y, width, height } = pill;
    return `<rect x="${round(x)}" y="${round(y)}" width="${round(width)}" height="${round(height)}" rx="${round(height / 2)}"${rest}/>`;
  });
}

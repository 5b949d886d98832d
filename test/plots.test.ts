import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineChartSvg, sideBySideSvg } from '../src/render/plots.ts';

test('a line chart puts each point, guide and legend entry where its values say', () => {
  const svg = lineChartSvg(
    [
      { name: 'a < b', color: '#123456', points: [[0, 0], [5, 1]], guide: 0.5 },
      { name: 'flat', color: '#654321', points: [[0, 0.5], [5, 0.5]] },
    ],
    [0, 5],
    [0, 1],
    'title',
    'minutes',
    'measure',
  );
  // The plot area spans x 56..464 and y 276..28 (480 × 320, margins 56/16/28/44).
  assert.match(svg, /<path d="M56\.0 276\.0 L464\.0 28\.0" fill="none" stroke="#123456"/);
  assert.match(svg, /<path d="M56\.0 152\.0 L464\.0 152\.0" fill="none" stroke="#654321"/);
  assert.match(svg, /<line x1="56" y1="152" x2="464" y2="152" stroke="#123456" stroke-dasharray/);
  assert.equal((svg.match(/<circle /g) ?? []).length, 4);
  assert.match(svg, /<text [^>]*>a &lt; b<\/text>/);
  const bottom = lineChartSvg([{ name: 'x', color: '#000', points: [[0, 0]] }], [0, 1], [0, 1], 't', 'x', 'y', 'bottom');
  assert.match(bottom, /<text x="\d+" y="272">x<\/text>/, 'the legend sits at the bottom when asked');

  const both = sideBySideSvg([svg, svg]);
  assert.match(both, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="960" height="320">/);
  assert.match(both, /<svg x="480" xmlns=/);
});

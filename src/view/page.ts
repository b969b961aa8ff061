/**
 * The viewer's one page: a static skeleton the script modules fill in
 * (src/view/client/), and its style. No framework, nothing from elsewhere:
 * the page works offline and under a `default-src 'self'` policy.
 */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function pageHtml(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>voxelpipe view: ${escapeHtml(title)}</title>
<link rel="stylesheet" href="/style.css">
<script type="module" src="/client/main.js"></script>
</head>
<body data-state="loading">
<header>
  <h1>voxelpipe view</h1>
  <span id="config"></span>
  <code id="describe"></code>
</header>
<nav id="nav">
  <label>epoch <input id="epoch" type="number" min="0" step="1" value="0"></label>
  <label>position <input id="position" type="number" min="0" step="1" value="0"></label>
  <span id="epoch-size"></span>
  <button id="prev" title="previous sample (←)">◀</button>
  <button id="next" title="next sample (→)">▶</button>
  <label>item <select id="item"></select></label>
  <span id="source"></span>
  <button id="batch-toggle" aria-pressed="false">batch view</button>
  <span id="status" role="status"></span>
</nav>
<div id="error" role="alert" hidden></div>
<section id="batch" hidden>
  <div class="batch-nav">
    <label>batch <input id="batch-index" type="number" min="0" step="1" value="0"></label>
    <button id="batch-prev">◀</button>
    <button id="batch-next">▶</button>
    <span id="batch-info"></span>
  </div>
  <div id="batch-grid"></div>
</section>
<ol id="chain" aria-label="the chain: click a step to see the sample after it"></ol>
<div id="step-detail"></div>
<main>
  <div id="planes"></div>
  <aside id="side">
    <fieldset>
      <legend>show</legend>
      <label>field <select id="field"></select></label>
      <label>channel <select id="channel"></select></label>
      <label>crop <select id="crop"></select></label>
    </fieldset>
    <fieldset>
      <legend>window</legend>
      <label>low <input id="win-lo" type="number" step="any"></label>
      <label>high <input id="win-hi" type="number" step="any"></label>
      <div id="presets"></div>
      <p class="hint">drag on a plane: left/right = width, up/down = level</p>
    </fieldset>
    <fieldset>
      <legend>label</legend>
      <label><input id="overlay" type="checkbox" checked> overlay</label>
      <label>opacity <input id="opacity" type="range" min="0" max="1" step="0.05" value="0.5"></label>
      <ul id="legend"></ul>
      <p id="classes"></p>
    </fieldset>
    <fieldset>
      <legend>cursor</legend>
      <label><input id="crosshair" type="checkbox" checked> crosshair</label>
      <dl id="readout"></dl>
    </fieldset>
  </aside>
</main>
<footer>
  keys: ←/→ sample · ↑/↓ slice (plane under the mouse, else axial) · PgUp/PgDn 10 slices · [ / ] step · wheel: slice · click: move the crosshair
</footer>
</body>
</html>
`;
}

export const PAGE_CSS = `
:root { color-scheme: dark; --bg: #141414; --panel: #1e1e1e; --line: #333; --text: #e6e6e6; --dim: #9a9a9a; --accent: #4ea1ff; --bad: #ff6b6b; --pos: #ffd23f; --neg: #5ad1ff; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 13px/1.4 system-ui, sans-serif; }
header { display: flex; gap: 1em; align-items: baseline; padding: 6px 12px; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header h1 { font-size: 15px; margin: 0; }
header code { color: var(--dim); font-size: 12px; }
nav, .batch-nav { display: flex; gap: .6em; align-items: center; padding: 6px 12px; flex-wrap: wrap; }
input[type=number] { width: 6em; }
select#item { max-width: 28em; }
#source { color: var(--dim); font-size: 12px; }
#status { color: var(--dim); margin-left: auto; }
#error { margin: 4px 12px; padding: 6px 10px; border: 1px solid var(--bad); color: var(--bad); background: #2a1515; white-space: pre-wrap; }
#chain { display: flex; gap: 4px; list-style: none; margin: 0; padding: 6px 12px; overflow-x: auto; }
.step { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 4px 8px; cursor: pointer; min-width: 9em; }
.step:hover { border-color: #555; }
.step[aria-current=true] { border-color: var(--accent); box-shadow: inset 0 0 0 1px var(--accent); }
.step.failed { border-color: var(--bad); color: var(--bad); cursor: default; }
.step .name { font-weight: 600; white-space: nowrap; }
.step .meta, .step .draws { color: var(--dim); font-size: 11px; white-space: nowrap; }
.step .draws { color: var(--pos); max-width: 22em; overflow: hidden; text-overflow: ellipsis; }
.step .random { color: var(--pos); font-size: 11px; }
#step-detail { padding: 0 12px; color: var(--dim); font: 11px/1.4 ui-monospace, monospace; white-space: pre-wrap; max-height: 5.6em; overflow: auto; }
main { display: flex; gap: 12px; padding: 8px 12px; align-items: flex-start; }
#planes { display: flex; gap: 10px; flex-wrap: wrap; flex: 1; }
figure.plane { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 6px; }
figure.plane.active { border-color: #555; }
.stack { position: relative; line-height: 0; }
.stack canvas { image-rendering: pixelated; display: block; }
.stack canvas.overlay { position: absolute; left: 0; top: 0; pointer-events: none; image-rendering: auto; }
figure.plane input[type=range] { width: 100%; }
figcaption { color: var(--dim); font-size: 12px; display: flex; justify-content: space-between; }
aside { width: 250px; flex: none; }
fieldset { border: 1px solid var(--line); border-radius: 4px; margin: 0 0 8px; padding: 6px 8px; }
fieldset label { display: block; margin: 2px 0; }
#presets { display: flex; flex-wrap: wrap; gap: 3px; margin-top: 4px; }
#presets button { font-size: 11px; }
.hint { color: var(--dim); font-size: 11px; margin: 4px 0 0; }
#legend { list-style: none; margin: 4px 0; padding: 0; }
#legend li { display: flex; gap: 6px; align-items: center; }
#legend li.absent { color: var(--dim); }
#legend .swatch { width: 12px; height: 12px; border-radius: 2px; display: inline-block; }
#classes { margin: 4px 0 0; font-weight: 600; }
#readout { display: grid; grid-template-columns: auto 1fr; gap: 0 8px; margin: 4px 0 0; font: 12px ui-monospace, monospace; }
#readout dt { color: var(--dim); }
#readout dd { margin: 0; }
#batch { border-bottom: 1px solid var(--line); }
#batch-grid { display: flex; flex-wrap: wrap; gap: 6px; padding: 0 12px 8px; }
#batch-grid figure { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 4px; cursor: pointer; }
#batch-grid figure:hover { border-color: var(--accent); }
#batch-grid img { image-rendering: pixelated; display: block; }
#batch-grid figcaption { display: block; font-size: 11px; max-width: 160px; }
footer { color: var(--dim); font-size: 11px; padding: 6px 12px; border-top: 1px solid var(--line); }
button { background: #2a2a2a; color: var(--text); border: 1px solid #444; border-radius: 3px; padding: 2px 8px; cursor: pointer; }
button[aria-pressed=true] { border-color: var(--accent); }
`;

// A job's node graph (GET /v1/jobs/{id}/pipeline) with each node's state from the event
// stream. Layered: a node's row is one more than the deepest node it reads from, so the
// graph reads top to bottom; SVG lines join each node to the nodes it reads from. Each
// node says its state in words (colour only repeats it), so it reads without colour and
// to a screen reader; on a phone the rows wrap and the "after" line keeps the links.
import { h } from './dom.js';

// Topological levels: 0 for nodes that read only the job's inputs.
export function layers(nodes) {
  const level = new Map();
  const names = new Set(nodes.map((node) => node.name));
  const levelOf = (node, seen = new Set()) => {
    if (level.has(node.name)) return level.get(node.name);
    if (seen.has(node.name)) return 0; // a cycle cannot come from the API; do not loop on one
    seen.add(node.name);
    const parents = (node.after || []).filter((name) => names.has(name));
    const value = parents.length ? 1 + Math.max(...parents.map((name) => levelOf(nodes.find((n) => n.name === name), seen))) : 0;
    level.set(node.name, value);
    return value;
  };
  const rows = [];
  for (const node of nodes) (rows[levelOf(node)] ??= []).push(node);
  return rows.filter(Boolean);
}

// What a node event's state (pipeline::NodeState's names) shows as.
const SHOWN = { started: 'running', progress: 'running', finished: 'finished', cached: 'cached', skipped: 'skipped', failed: 'failed' };

export function createGraph() {
  const element = h('div', { class: 'graph', id: 'graph', role: 'list', 'aria-label': 'Pipeline nodes and their states' });
  const lines = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  lines.setAttribute('class', 'graph-lines');
  lines.setAttribute('aria-hidden', 'true');
  const boxes = new Map(); // node name -> {box, state, bar}
  const states = new Map(); // node name -> {state, fraction}, also for events before the graph
  let nodes = [];
  let ended = null; // the job's final state, once it has one

  const settle = () => {
    if (!ended || ended === 'succeeded') return;
    for (const name of boxes.keys()) {
      const state = states.get(name)?.state;
      if (state && state !== 'running') continue;
      // A running node was stopped; a waiting one never ran (skipped, after a failure).
      states.set(name, { state: state === 'running' || ended === 'cancelled' ? 'cancelled' : 'skipped' });
      paint(name);
    }
  };

  const paint = (name) => {
    const entry = boxes.get(name);
    if (!entry) return;
    const { state = 'queued', fraction } = states.get(name) || {};
    entry.box.dataset.state = state;
    const percent = state === 'running' && fraction !== undefined ? Math.round(fraction * 100) : null;
    entry.state.textContent = percent === null ? state : `${state} ${percent} %`;
    entry.bar.hidden = percent === null;
    entry.bar.value = percent ?? 0;
    redrawSoon();
  };

  const drawLines = () => {
    const origin = element.getBoundingClientRect();
    lines.setAttribute('width', origin.width);
    lines.setAttribute('height', origin.height);
    const paths = [];
    for (const node of nodes) {
      const to = boxes.get(node.name)?.box.getBoundingClientRect();
      for (const parent of node.after || []) {
        const from = boxes.get(parent)?.box.getBoundingClientRect();
        if (!from || !to || from.bottom > to.top) continue; // side by side once rows wrap
        const x1 = from.left + from.width / 2 - origin.left, y1 = from.bottom - origin.top;
        const x2 = to.left + to.width / 2 - origin.left, y2 = to.top - origin.top;
        const middle = (y1 + y2) / 2;
        const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
        path.setAttribute('d', `M${x1},${y1} C${x1},${middle} ${x2},${middle} ${x2},${y2}`);
        paths.push(path);
      }
    }
    lines.replaceChildren(...paths);
  };
  // Node boxes change width with their state text: the lines follow, once a frame.
  let frame = 0;
  const redrawSoon = () => { frame ||= requestAnimationFrame(() => { frame = 0; drawLines(); }); };
  const observer = new ResizeObserver(redrawSoon);

  return {
    element,
    // The pipeline's nodes, as the API lists them.
    show(pipelineNodes) {
      nodes = pipelineNodes;
      const rows = layers(nodes).map((row) => h('div', { class: 'graph-row', role: 'presentation' }, row.map((node) => {
        const state = h('span', { class: 'node-state' });
        const bar = h('progress', { max: 100, value: 0, hidden: true, 'aria-hidden': 'true' });
        const after = node.after?.length ? h('span', { class: 'node-after hint' }, `after ${node.after.join(', ')}`) : null;
        const box = h('div', { class: 'node', role: 'listitem', 'data-node': node.name },
          h('span', { class: 'node-name' }, node.name),
          node.op !== node.name ? h('span', { class: 'node-op hint' }, node.op) : null,
          state, bar, after);
        boxes.set(node.name, { box, state, bar });
        return box;
      })));
      element.replaceChildren(lines, ...rows);
      for (const node of nodes) paint(node.name);
      settle();
      observer.observe(element);
    },
    // A `node` event's data: {node, state, fraction?}.
    update({ node, state, fraction }) {
      if (!node || !SHOWN[state]) return;
      states.set(node, { state: SHOWN[state], fraction: state === 'progress' ? fraction : undefined });
      paint(node);
    },
    // A new attempt runs every node again.
    restart() {
      states.clear();
      for (const name of boxes.keys()) paint(name);
    },
    // The job is over: what was still waiting or running did not finish.
    end(jobState) {
      ended = jobState;
      settle();
    },
    dispose() {
      observer.disconnect();
      cancelAnimationFrame(frame);
    },
  };
}

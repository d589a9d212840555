// The source splats beside the mesh, drawn by Spark (a Gaussian-splat renderer for
// three.js). Loaded with import() only when a result has splats to show: Spark and its
// WebAssembly are most of the app's bytes.
import { Color, PerspectiveCamera, Scene, WebGLRenderer } from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { SparkRenderer, SplatMesh } from '@sparkjsdev/spark';
import { decompress as zstdDecompress } from 'fzstd';
import { fitCanvasToBox, frameBox } from './view.js';
import { h } from './dom.js';

// 404's SPZ files wrap the SPZ stream in zstd instead of gzip (Atlas reads both); Spark
// reads gzip only, so the stream is unwrapped and wrapped again in gzip for it.
async function sparkReadable(bytes) {
  const zstd = bytes.length > 4 && bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd;
  if (!zstd) return bytes;
  const stream = new Blob([zstdDecompress(bytes)]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function createSplatViewer(container, { bytes, name }) {
  const info = h('p', { id: 'splat-info', class: 'hint', 'aria-live': 'polite' }, `Loading ${name}…`);
  const reset = h('button', { type: 'button', class: 'secondary', id: 'reset-splat-view' }, 'Reset view');
  const canvasBox = h('div', { class: 'canvas-box' });
  container.append(h('div', { class: 'viewer-tools' }, h('strong', {}, 'Source splats'), reset), canvasBox, info);

  const renderer = new WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
  renderer.domElement.id = 'splat-viewer';
  renderer.domElement.tabIndex = 0;
  renderer.domElement.setAttribute('aria-label', 'Source splats: drag to orbit, wheel or pinch to zoom, arrow keys to pan');
  canvasBox.append(renderer.domElement);
  const scene = new Scene();
  scene.background = new Color(0x20242c);
  const camera = new PerspectiveCamera(45, 1, 0.01, 1000);
  const controls = new OrbitControls(camera, renderer.domElement);
  controls.listenToKeyEvents(renderer.domElement);

  // Drawn for a moment after each change, not every frame: Spark sorts the splats for a
  // new view in a worker and shows them a few frames later.
  let frame = 0;
  let until = 0;
  const tick = () => {
    renderer.render(scene, camera);
    frame = performance.now() < until ? requestAnimationFrame(tick) : 0;
  };
  const draw = () => {
    until = performance.now() + 1500;
    if (!frame) frame = requestAnimationFrame(tick);
  };
  const spark = new SparkRenderer({ renderer, onDirty: draw });
  scene.add(spark);
  controls.addEventListener('change', draw);

  const observer = fitCanvasToBox(canvasBox, renderer, camera, draw);

  let splats = null;
  sparkReadable(bytes).then((readable) => {
    splats = new SplatMesh({ fileBytes: readable, fileName: name });
    scene.add(splats);
    return splats.initialized;
  }).then(() => {
    const box = splats.getBoundingBox(true);
    frameBox(box, camera, controls);
    info.textContent = `${name}: ${splats.packedSplats?.numSplats?.toLocaleString('en') ?? ''} splats`;
    container.dataset.loaded = name;
    draw();
  }).catch((failure) => {
    info.textContent = `Could not show ${name} as splats: ${failure.message}`;
  });
  reset.addEventListener('click', () => { controls.reset(); draw(); });

  return {
    dispose() {
      cancelAnimationFrame(frame);
      observer.disconnect();
      controls.dispose();
      splats?.dispose?.();
      renderer.dispose();
    },
  };
}

// The source splats beside the mesh, drawn by Spark (a Gaussian-splat renderer for
// three.js), seen through the mesh viewer's camera: orbiting or zooming either view moves
// both, and the splats are placed where the pipeline placed the mesh made from them.
// Loaded with import() only when a result has splats to show: Spark and its WebAssembly
// are most of the app's bytes.
import { Vector3 } from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { SparkRenderer, SplatMesh } from '@sparkjsdev/spark';
import { decompress as zstdDecompress } from 'fzstd';
import { createCanvas, fitCanvasToBox, frameBox } from './view.js';
import { h } from './dom.js';

// 404's SPZ files wrap the SPZ stream in zstd instead of gzip (Atlas reads both); Spark
// reads gzip only, so the stream is unwrapped and wrapped again in gzip for it.
async function sparkReadable(bytes) {
  const zstd = bytes.length > 4 && bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd;
  if (!zstd) return bytes;
  const stream = new Blob([zstdDecompress(bytes)]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// The splats' extent without their stray outliers: the 0.5th to 99.5th percentile of the
// centres of splats that are not nearly transparent, per axis (the pipeline's surface,
// which the mesh was placed by, leaves such floaters out). [min, max] Vector3s.
function coreBounds(splats) {
  const axes = [[], [], []];
  splats.forEachSplat((index, centre, scales, quaternion, opacity) => {
    if (opacity < 0.1) return;
    axes[0].push(centre.x);
    axes[1].push(centre.y);
    axes[2].push(centre.z);
  });
  const at = (values, share) => values[Math.min(values.length - 1, Math.floor(share * values.length))];
  const [low, high] = [0.005, 0.995].map((share) => new Vector3(...axes.map((values) => {
    values.sort((a, b) => a - b);
    return at(values, share) ?? 0;
  })));
  return [low, high];
}

// Moves the splats into the mesh's frame. With the pipeline's placement (p' = (p - pivot)
// * scale) exactly; without it, by their extents: the splats' bottom centre on the mesh's
// and their height scaled to the mesh's (close to what the pipeline did, not exact).
function place(splats, placement, meshBox) {
  let pivot;
  let scale;
  if (placement) {
    pivot = new Vector3(...placement.pivot);
    scale = placement.scale;
  } else {
    const [low, high] = coreBounds(splats);
    pivot = new Vector3((low.x + high.x) / 2, low.y, (low.z + high.z) / 2);
    const height = high.y - low.y;
    scale = height > 0 ? (meshBox.max.y - meshBox.min.y) / height : 1;
    const meshCentre = meshBox.getCenter(new Vector3());
    splats.position.set(meshCentre.x, meshBox.min.y, meshCentre.z);
  }
  splats.scale.setScalar(scale);
  splats.position.sub(pivot.multiplyScalar(scale));
}

// `meshView` is the mesh viewer (its camera, controls and framed bounds); `placement`
// the pipeline's, from the job's reports, or null.
export function createSplatViewer(container, { bytes, name }, meshView, placement) {
  const info = h('p', { id: 'splat-info', class: 'hint', 'aria-live': 'polite' }, `Loading ${name}…`);
  const reset = h('button', { type: 'button', class: 'secondary', id: 'reset-splat-view' }, 'Reset view');
  const canvasBox = h('div', { class: 'canvas-box' });
  container.append(h('div', { class: 'viewer-tools' }, h('strong', {}, 'Source splats'), reset), canvasBox, info);

  const { renderer, scene } = createCanvas(canvasBox, {
    id: 'splat-viewer',
    label: 'Source splats: drag to orbit, wheel or pinch to zoom, arrow keys to pan',
    antialias: false,
  });
  const camera = meshView.camera;
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
  // Either view's controls move the one camera: both redraw.
  const drawMesh = () => meshView.controls.dispatchEvent({ type: 'change' });
  controls.addEventListener('change', drawMesh);
  meshView.controls.addEventListener('change', draw);
  // One orbit centre for both views. The constructor already pointed the camera at its
  // own target (the origin): point it back.
  controls.target = meshView.controls.target;
  controls.update();

  const observer = fitCanvasToBox(canvasBox, renderer, camera, draw);

  let splats = null;
  sparkReadable(bytes).then((readable) => {
    splats = new SplatMesh({ fileBytes: readable, fileName: name });
    return Promise.all([splats.initialized, meshView.framed]);
  }).then(([, meshBox]) => {
    // Without a mesh on screen the splats are framed on their own.
    if (meshBox || placement) place(splats, placement, meshBox);
    else frameBox(splats.getBoundingBox(true), camera, meshView.controls);
    scene.add(splats);
    info.textContent = `${name}: ${splats.packedSplats?.numSplats?.toLocaleString('en') ?? ''} splats`;
    container.dataset.loaded = name;
    draw();
  }).catch((failure) => {
    info.textContent = `Could not show ${name} as splats: ${failure.message}`;
  });
  reset.addEventListener('click', () => meshView.controls.reset());

  return {
    dispose() {
      cancelAnimationFrame(frame);
      meshView.controls.removeEventListener('change', draw);
      observer.disconnect();
      controls.dispose();
      splats?.dispose?.();
      renderer.dispose();
    },
  };
}

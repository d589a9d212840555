// The three.js viewer: orbit, zoom and reset (OrbitControls), one GLB a level of detail
// with its triangle count and fidelity, wireframe, and the base colour texture on its own
// with the level's UV layout over it.
// Its camera is shared with the source splats' view (splat.js), so both move together.
// Loaded with import() when a result is shown, so the first page load stays small.
import { AmbientLight, Box3, DirectionalLight, PerspectiveCamera, SRGBColorSpace, Vector2 } from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { MeshoptDecoder } from 'three/addons/libs/meshopt_decoder.module.js';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { fetchBlob } from './api.js';
import { createCanvas, fitCanvasToBox, frameBox } from './view.js';
import { h } from './dom.js';

// "hamburger_lod1.glb" -> 1; the all-levels file -> null.
function levelOf(name) {
  const match = name.match(/_lod(\d+)\.glb$/i);
  return match ? Number(match[1]) : null;
}

function triangles(root) {
  let count = 0;
  root.traverse((object) => {
    if (!object.isMesh) return;
    const geometry = object.geometry;
    count += (geometry.index ? geometry.index.count : geometry.attributes.position.count) / 3;
  });
  return Math.round(count);
}

// Draws every textured triangle's UV edges over the texture (glTF's UV origin is the
// image's top left, as the canvas's), so the level's charts show on the atlas it shares
// with the other levels. Returns how many triangles it drew.
function drawUvLayout(context, model, map) {
  const { width, height } = context.canvas;
  map.updateMatrix();  // KHR_texture_transform, as quantised (meshopt) UVs use
  const corner = new Vector2();
  let drawn = 0;
  context.strokeStyle = 'rgba(255, 255, 255, 0.55)';
  context.lineWidth = Math.max(1, width / 1024);
  context.beginPath();
  model.traverse((object) => {
    const uv = object.isMesh && [].concat(object.material)[0]?.map === map && object.geometry.attributes.uv;
    if (!uv) return;
    const index = object.geometry.index;
    const count = index ? index.count : uv.count;
    for (let i = 0; i + 2 < count; i += 3) {
      for (let k = 0; k < 3; k++) {
        const vertex = index ? index.getX(i + k) : i + k;
        corner.set(uv.getX(vertex), uv.getY(vertex)).applyMatrix3(map.matrix);
        if (k === 0) context.moveTo(corner.x * width, corner.y * height);
        else context.lineTo(corner.x * width, corner.y * height);
      }
      context.closePath();
      drawn++;
    }
  });
  context.stroke();
  return drawn;
}

export function createViewer(container, glbs, metrics) {
  const levels = glbs.filter((a) => levelOf(a.name) !== null).sort((a, b) => levelOf(a.name) - levelOf(b.name));
  const choices = levels.length ? levels : glbs;
  const canvasBox = h('div', { class: 'canvas-box' });
  const textureView = h('canvas', { id: 'texture-view', class: 'texture-view', hidden: true, 'aria-label': 'Base colour texture with the level\'s UV layout' });
  const info = h('p', { id: 'lod-info', class: 'hint', 'aria-live': 'polite' });
  const select = h('select', { id: 'lod' }, choices.map((artifact, index) =>
    h('option', { value: index }, levelOf(artifact.name) !== null ? `LOD${levelOf(artifact.name)}` : artifact.name)));
  const wireframe = h('input', { type: 'checkbox', id: 'wireframe' });
  const texture = h('input', { type: 'checkbox', id: 'texture' });
  const reset = h('button', { type: 'button', class: 'secondary', id: 'reset-view' }, 'Reset view');
  container.append(
    h('div', { class: 'viewer-tools' },
      h('label', { for: 'lod' }, 'Level'), select,
      h('label', {}, wireframe, ' Wireframe'),
      h('label', {}, texture, ' Texture and UVs'),
      reset),
    canvasBox, textureView, info);

  const { renderer, scene } = createCanvas(canvasBox, {
    id: 'viewer',
    label: '3D view: drag to orbit, wheel or pinch to zoom, arrow keys to pan',
    antialias: true,
  });
  renderer.outputColorSpace = SRGBColorSpace;
  scene.add(new AmbientLight(0xffffff, 1.2));
  const sun = new DirectionalLight(0xffffff, 2.2);
  sun.position.set(2, 4, 3);
  scene.add(sun);
  const camera = new PerspectiveCamera(45, 1, 0.01, 1000);
  const controls = new OrbitControls(camera, renderer.domElement);
  controls.listenToKeyEvents(renderer.domElement);
  const draw = () => renderer.render(scene, camera);
  controls.addEventListener('change', draw);

  const observer = fitCanvasToBox(canvasBox, renderer, camera, draw);

  // The first level's bounds once it is framed (where the splats are placed when the
  // reports do not say), or null when it could not be shown.
  let framedBox;
  const framed = new Promise((resolve) => { framedBox = resolve; });
  // The mobile preset compresses its GLBs with meshopt.
  const loader = new GLTFLoader().setMeshoptDecoder(MeshoptDecoder);
  const cache = new Map();
  let model = null;
  let isFramed = false;
  let token = 0;

  const applyWireframe = () => {
    model?.traverse((object) => {
      if (object.isMesh) for (const material of [].concat(object.material)) material.wireframe = wireframe.checked;
    });
    draw();
  };
  const showTexture = () => {
    let map = null;
    model?.traverse((object) => { if (object.isMesh && !map) map = [].concat(object.material)[0]?.map ?? null; });
    const image = map?.image;
    textureView.hidden = !texture.checked || !image;
    canvasBox.hidden = texture.checked && !!image;
    if (texture.checked && !image) info.textContent = 'This level has no base colour texture.';
    if (!image || !texture.checked) return;
    textureView.width = image.width;
    textureView.height = image.height;
    const context = textureView.getContext('2d');
    context.drawImage(image, 0, 0);
    textureView.dataset.uvTriangles = drawUvLayout(context, model, map);
  };

  const show = async (index) => {
    const artifact = choices[index];
    const mine = ++token;
    info.textContent = `Loading ${artifact.name}…`;
    container.dataset.loaded = '';
    try {
      if (!cache.has(artifact.name)) {
        const bytes = await (await fetchBlob(artifact.url)).arrayBuffer();
        cache.set(artifact.name, await loader.parseAsync(bytes, ''));
      }
      if (mine !== token) return;
      if (model) scene.remove(model);
      model = cache.get(artifact.name).scene;
      scene.add(model);
      if (!isFramed) {
        // Frame the first level; the others share its placement, so the view stays put.
        const box = new Box3().setFromObject(model);
        frameBox(box, camera, controls);
        framedBox(box);
        isFramed = true;
      }
      const level = levelOf(artifact.name);
      const figures = level !== null ? metrics[level] || {} : {};
      const parts = [`${artifact.name}: ${triangles(model).toLocaleString('en')} triangles`];
      for (const [name, value] of Object.entries(figures)) {
        if (name !== 'triangles') parts.push(`${name} ${Number.isInteger(value) ? value : value.toFixed(3)}`);
      }
      info.textContent = parts.join(' · ');
      applyWireframe();
      showTexture();
      container.dataset.loaded = artifact.name;
    } catch (failure) {
      info.textContent = `Could not show ${artifact.name}: ${failure.message}`;
      if (!isFramed) framedBox(null);
    }
  };

  select.addEventListener('change', () => show(Number(select.value)));
  wireframe.addEventListener('change', applyWireframe);
  texture.addEventListener('change', showTexture);
  reset.addEventListener('click', () => { controls.reset(); draw(); });
  show(0);

  return {
    camera,
    controls,
    framed,
    dispose() {
      observer.disconnect();
      controls.dispose();
      renderer.dispose();
    },
  };
}

// What the mesh and splat viewers share.
import { Color, Scene, Vector3, WebGLRenderer } from 'three';

// A viewer's WebGL canvas in `canvasBox`, focusable and labelled for screen readers, and
// its scene on the viewers' dark background. The drawing is kept (preserveDrawingBuffer)
// so screenshots and the tests' pixel checks see it.
export function createCanvas(canvasBox, { id, label, antialias }) {
  const renderer = new WebGLRenderer({ antialias, preserveDrawingBuffer: true });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
  renderer.domElement.id = id;
  renderer.domElement.tabIndex = 0;
  renderer.domElement.setAttribute('aria-label', label);
  canvasBox.append(renderer.domElement);
  const scene = new Scene();
  scene.background = new Color(0x20242c);
  return { renderer, scene };
}

// Keeps a viewer's canvas as wide as its box, 4:3 up to 560 px high, redrawing after each
// change. Returns the observer, to disconnect when the viewer goes.
export function fitCanvasToBox(canvasBox, renderer, camera, draw) {
  const resize = () => {
    const width = canvasBox.clientWidth || 320;
    const height = Math.round(Math.min(width * 0.75, 560));
    renderer.setSize(width, height);
    camera.aspect = width / height;
    camera.updateProjectionMatrix();
    draw();
  };
  const observer = new ResizeObserver(resize);
  observer.observe(canvasBox);
  resize();
  return observer;
}

// Points the camera at `box` (a three.js Box3) from the front, above and to the right,
// far enough to see it whole, and makes that the view `controls.reset()` returns to.
export function frameBox(box, camera, controls) {
  const size = box.getSize(new Vector3()).length() || 1;
  const centre = box.getCenter(new Vector3());
  controls.target.copy(centre);
  camera.position.copy(centre).add(new Vector3(0.6, 0.45, 1).normalize().multiplyScalar(size * 1.1));
  camera.near = size / 100;
  camera.far = size * 100;
  camera.updateProjectionMatrix();
  controls.update();
  controls.saveState();
}

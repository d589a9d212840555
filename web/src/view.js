// What the mesh and splat viewers share.
import { Vector3 } from 'three';

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

"""Imports a glTF file into an empty Blender scene, as a user would, and prints what
arrived as one line: ATLAS_BLENDER_IMPORT {json}. Used by tests/apps/blender_import_test.cpp:
  blender --background --factory-startup --python-exit-code 1 \
      --python tests/apps/blender/check_import.py -- FILE.glb
"""

import json
import sys

try:
    import numpy
except ImportError:
    sys.exit("Blender's glTF importer needs numpy: install python3-numpy")

# Blender 3.4's glTF importer still uses numpy.bool, which numpy 1.24 (Debian 12's)
# removed; the builtin is what it meant.
if "bool" not in vars(numpy):
    numpy.bool = bool

import bpy


def upstream_images(socket, seen=None):
    """The images of every Image Texture node that feeds `socket`, through any nodes."""
    seen = set() if seen is None else seen
    images = []
    for link in socket.links:
        node = link.from_node
        if node.name in seen:
            continue
        seen.add(node.name)
        if node.bl_idname == "ShaderNodeTexImage" and node.image:
            images.append(node.image)
        for upstream in node.inputs:
            images += upstream_images(upstream, seen)
    return images


def describe(image):
    return {"name": image.name, "size": list(image.size),
            "colorspace": image.colorspace_settings.name}


def describe_material(material):
    result = {"name": material.name, "base_color": [], "normal_map": []}
    if not material.use_nodes:
        return result
    for node in material.node_tree.nodes:
        if node.bl_idname != "ShaderNodeBsdfPrincipled":
            continue
        result["base_color"] = [describe(i) for i in upstream_images(node.inputs["Base Color"])]
        for link in node.inputs["Normal"].links:
            if link.from_node.bl_idname == "ShaderNodeNormalMap":
                result["normal_map"] = [describe(i)
                                        for i in upstream_images(link.from_node.inputs["Color"])]
    return result


def main():
    path = sys.argv[sys.argv.index("--") + 1]
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.import_scene.gltf(filepath=path)
    meshes = [o for o in bpy.context.scene.objects if o.type == "MESH"]
    materials = {s.material.name: s.material for o in meshes for s in o.material_slots
                 if s.material}
    report = {
        "mesh_objects": len(meshes),
        "polygons": sum(len(o.data.polygons) for o in meshes),
        "max_polygon_sides": max((len(p.vertices) for o in meshes for p in o.data.polygons),
                                 default=0),
        "uv_layers": sorted({u.name for o in meshes for u in o.data.uv_layers}),
        "materials": [describe_material(m) for m in materials.values()],
    }
    print("ATLAS_BLENDER_IMPORT " + json.dumps(report))


main()

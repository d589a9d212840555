"""What a technical artist does in Blender 3.4 to make a game-ready LOD0 from a dense
scan-like mesh with vertex colours: Decimate (collapse) to a triangle budget, Smart UV
Project, bake the base colour and a tangent-space normal map from the dense mesh onto
the low one (selected to active, Cycles on the CPU), export GLB.

Run headless by bench/blender_vs_atlas.sh:
  blender --background --factory-startup --python bench/blender/game_ready.py -- \
      --input DENSE.glb --output LOW.glb [--triangles 20000] [--texture-size 1024]
      [--samples 4] [--extrusion 0.01] [--margin 16]
Prints one line "BLENDER_TIMES {json}" with the seconds each step took.
"""

import argparse
import json
import math
import sys
import time

import bpy
import numpy

# Blender 3.4's glTF importer still uses numpy.bool, which numpy 1.24 (Debian 12's)
# removed; the builtin is what it meant.
if "bool" not in vars(numpy):
    numpy.bool = bool


def arguments():
    parser = argparse.ArgumentParser(prog="game_ready.py")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--triangles", type=int, default=20000)
    parser.add_argument("--texture-size", type=int, default=1024)
    parser.add_argument("--samples", type=int, default=4)
    # Cage extrusion as a share of the dense mesh's bounding-box diagonal.
    parser.add_argument("--extrusion", type=float, default=0.01)
    parser.add_argument("--margin", type=int, default=16)  # Blender's default
    return parser.parse_args(sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else [])


def select_only(*objects, active):
    bpy.ops.object.select_all(action="DESELECT")
    for obj in objects:
        obj.select_set(True)
    bpy.context.view_layer.objects.active = active


def image_node(nodes, name, size, non_color):
    image = bpy.data.images.new(name, size, size, alpha=False)
    if non_color:
        image.colorspace_settings.name = "Non-Color"
    node = nodes.new("ShaderNodeTexImage")
    node.image = image
    return node


def main():
    args = arguments()
    times = {}
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        times[name] = now - clock
        clock = now

    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.import_scene.gltf(filepath=args.input)
    dense = next(o for o in bpy.context.scene.objects if o.type == "MESH")
    dense_triangles = sum(len(p.vertices) - 2 for p in dense.data.polygons)
    diagonal = dense.dimensions.length
    # The bake reads the dense mesh's colour through its material: vertex colour into
    # the base colour.
    colour = bpy.data.materials.new("dense")
    colour.use_nodes = True
    nodes = colour.node_tree.nodes
    vertex_colour = nodes.new("ShaderNodeVertexColor")
    vertex_colour.layer_name = dense.data.color_attributes[0].name
    colour.node_tree.links.new(
        vertex_colour.outputs["Color"], nodes["Principled BSDF"].inputs["Base Color"]
    )
    dense.data.materials.clear()
    dense.data.materials.append(colour)
    lap("import")

    low = dense.copy()
    low.data = dense.data.copy()
    low.name = low.data.name = "lod0"
    bpy.context.collection.objects.link(low)
    decimate = low.modifiers.new("Decimate", "DECIMATE")
    decimate.decimate_type = "COLLAPSE"
    decimate.use_collapse_triangulate = True
    decimate.ratio = min(1.0, args.triangles / dense_triangles)
    select_only(low, active=low)
    bpy.ops.object.modifier_apply(modifier=decimate.name)
    bpy.ops.mesh.customdata_custom_splitnormals_clear()
    bpy.ops.object.shade_smooth()
    while low.data.color_attributes:
        low.data.color_attributes.remove(low.data.color_attributes[0])
    lap("decimate")

    bpy.ops.object.mode_set(mode="EDIT")
    bpy.ops.mesh.select_all(action="SELECT")
    bpy.ops.uv.smart_project(angle_limit=math.radians(66), island_margin=0.004)
    bpy.ops.object.mode_set(mode="OBJECT")
    lap("smart_uv_project")

    material = bpy.data.materials.new("lod0")
    material.use_nodes = True
    nodes = material.node_tree.nodes
    links = material.node_tree.links
    principled = nodes["Principled BSDF"]
    base_colour = image_node(nodes, "lod0_base_color", args.texture_size, non_color=False)
    normal = image_node(nodes, "lod0_normal", args.texture_size, non_color=True)
    low.data.materials.clear()
    low.data.materials.append(material)

    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = args.samples
    # Debian's Blender is built without OpenImageDenoise; with Cycles' default denoising
    # on, every bake that shades (all but NORMAL) silently writes nothing.
    scene.cycles.use_denoising = False
    bake = scene.render.bake
    bake.use_selected_to_active = True
    bake.cage_extrusion = args.extrusion * diagonal
    bake.max_ray_distance = 2 * args.extrusion * diagonal
    bake.margin = args.margin
    bake.margin_type = "EXTEND"
    select_only(dense, low, active=low)
    nodes.active = base_colour
    bpy.ops.object.bake(type="DIFFUSE", pass_filter={"COLOR"}, use_selected_to_active=True)
    lap("bake_base_color")
    nodes.active = normal
    bpy.ops.object.bake(type="NORMAL", normal_space="TANGENT", use_selected_to_active=True)
    lap("bake_normal")

    links.new(base_colour.outputs["Color"], principled.inputs["Base Color"])
    normal_map = nodes.new("ShaderNodeNormalMap")
    links.new(normal.outputs["Color"], normal_map.inputs["Color"])
    links.new(normal_map.outputs["Normal"], principled.inputs["Normal"])
    for image in (base_colour.image, normal.image):
        image.file_format = "PNG"
        image.pack()
    bpy.data.objects.remove(dense)
    select_only(low, active=low)
    bpy.ops.export_scene.gltf(
        filepath=args.output, export_format="GLB", use_selection=True, export_colors=False
    )
    lap("export")

    low_triangles = sum(len(p.vertices) - 2 for p in low.data.polygons)
    print("BLENDER_TIMES " + json.dumps({"dense_triangles": dense_triangles,
                                         "triangles": low_triangles, "seconds": times}))


main()

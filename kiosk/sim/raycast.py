"""Depth and colour of a triangle mesh scene by ray casting (Embree, via trimesh).

One ray per pixel from the camera centre; the nearest hit gives the depth along the
optical axis, the face's colour shaded by a Lambertian light, and the face's class id.
trimesh and embreex come with the `sim` extra and are imported only when a mesh scene
is rendered, never by the kiosk.
"""

from __future__ import annotations

import numpy as np

from kiosk.errors import InputError
from kiosk.sim.meshes import Mesh
from kiosk.sim.render import RenderOutput, SimCamera


def _intersector(mesh: Mesh):
    try:
        import trimesh  # noqa: PLC0415 - the optional `sim` extra (mesh family only)
        from trimesh.ray.ray_pyembree import RayMeshIntersector  # noqa: PLC0415 - `sim` extra
    except ImportError:
        raise InputError("the mesh scene family needs the `sim` extra "
                         "(pip install 'footkiosk[sim]': trimesh and embreex)") from None
    tm = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False, validate=False)
    return RayMeshIntersector(tm)


def raycast(cam: SimCamera, mesh: Mesh, light_dir: np.ndarray, ambient: float = 0.45,
            brightness: float = 1.0, max_depth_m: float = 8.0) -> RenderOutput:
    """Render the mesh as the camera sees it (clean depth in metres, 0 = nothing)."""
    intr = cam.intrinsics
    H, W = intr.height, intr.width
    xn, yn = intr.pixel_grid()
    rays_c = np.stack([xn, yn, np.ones_like(xn)], axis=-1).reshape(-1, 3)
    rays_w = rays_c @ cam.R_wc
    dirs = rays_w / np.linalg.norm(rays_w, axis=1, keepdims=True)
    origins = np.broadcast_to(cam.center, dirs.shape)
    tri, ray, loc = _intersector(mesh).intersects_id(
        origins, dirs, multiple_hits=False, return_locations=True)
    depth = np.zeros(H * W)
    color = np.zeros((H * W, 3))
    cls = np.zeros(H * W, np.uint8)
    z = (loc - cam.center) @ cam.R_wc[2]
    keep = (z > 0) & (z < max_depth_m)
    tri, ray, loc, z = tri[keep], ray[keep], loc[keep], z[keep]
    v = mesh.vertices[mesh.faces[tri]]
    n = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-15)
    facing = np.einsum("ij,ij->i", n, cam.center - loc) < 0
    n[facing] *= -1  # light the side the camera sees
    light = light_dir / np.linalg.norm(light_dir)
    lam = np.clip(n @ light, 0.0, 1.0)
    depth[ray] = z
    color[ray] = mesh.face_rgb[tri] * (ambient + (1 - ambient) * lam)[:, None]
    cls[ray] = mesh.face_cls[tri]
    col = np.clip(color * brightness, 0, 255).reshape(H, W, 3).astype(np.uint8)
    return RenderOutput(depth.reshape(H, W).astype(np.float32), col, cls.reshape(H, W))

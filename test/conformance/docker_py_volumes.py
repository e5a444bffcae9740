"""docker-py against berthd: volumes.create/list/get/remove/prune and containers.run(volumes=...).
Exits non-zero on the first mismatch."""
import os

import docker

client = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="auto")

# create / get / list with filters
v = client.volumes.create(name="pyvol", driver="local", labels={"suite": "py"})
assert v.name == "pyvol" and v.attrs["Driver"] == "local", v.attrs
assert v.attrs["Labels"] == {"suite": "py"}, v.attrs
assert v.attrs["Mountpoint"].endswith("/volumes/pyvol/_data"), v.attrs
assert client.volumes.get("pyvol").attrs["Name"] == "pyvol"
assert [x.name for x in client.volumes.list(filters={"label": "suite=py"})] == ["pyvol"]
assert "pyvol" in [x.name for x in client.volumes.list()]
try:
    client.volumes.get("py-missing")
    raise AssertionError("missing volume did not raise")
except docker.errors.NotFound as e:
    assert "no such volume" in str(e), e

# containers.run(volumes=...): both the dict and the list form; data kept
out = client.containers.run("busybox", ["sh", "-c", "echo py > /data/f && cat /data/f"],
                            volumes={"pyvol": {"bind": "/data", "mode": "rw"}}, remove=True)
assert out == b"py\n", out
out = client.containers.run("busybox", ["cat", "/d/f"], volumes=["pyvol:/d:ro"], remove=True)
assert out == b"py\n", out
c = client.containers.create("busybox", ["true"], volumes=["pyvol:/data", "/anon"], name="pyuser")
mounts = {m["Destination"]: m for m in c.attrs["Mounts"]}
assert mounts["/data"]["Name"] == "pyvol" and mounts["/data"]["Type"] == "volume", mounts
assert len(mounts["/anon"]["Name"]) == 64, mounts

# remove: in use is a 409 (APIError), then fine after the container is gone
try:
    v.remove()
    raise AssertionError("removing a volume in use did not raise")
except docker.errors.APIError as e:
    assert e.status_code == 409 and "volume is in use" in str(e), e
anon = mounts["/anon"]["Name"]
c.remove(v=True)
try:
    client.volumes.get(anon)
    raise AssertionError("rm -v kept the anonymous volume")
except docker.errors.NotFound:
    pass
v.remove()

# prune with a label filter
client.volumes.create(name="pyprune1", labels={"prune": "yes"})
client.volumes.create(name="pyprune2")
res = client.volumes.prune(filters={"label": "prune=yes"})
assert res["VolumesDeleted"] == ["pyprune1"], res
assert "SpaceReclaimed" in res, res
client.volumes.get("pyprune2").remove(force=True)
print("docker-py volumes ok")

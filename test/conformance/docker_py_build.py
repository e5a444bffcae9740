"""docker-py's images.build against berthd (the classic builder's API): a
fileobj Dockerfile, a context dir with build args, labels, target and
nocache, the streamed log, a cached rebuild, and BuildError on a failing
step. Exits non-zero on the first mismatch."""
import io
import os
import tempfile

import docker

client = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="auto")

# A Dockerfile alone (fileobj): docker-py wraps it in a tar itself.
df = io.BytesIO(b'FROM busybox\nARG V=0\nRUN echo $V > /v\nCMD ["cat", "/v"]\n')
image, logs = client.images.build(fileobj=df, tag="pybuild:1", buildargs={"V": "7"}, rm=True)
logs = list(logs)
streams = "".join(l.get("stream", "") for l in logs)
assert "Step 1/4 : FROM busybox" in streams, streams
assert "Successfully tagged pybuild:1" in streams, streams
assert any("aux" in l for l in logs), logs
assert "pybuild:1" in image.tags, image.tags
assert client.containers.run("pybuild:1", remove=True) == b"7\n"

# A context dir: .dockerignore, labels, multi-stage target, then a cached rebuild.
with tempfile.TemporaryDirectory() as ctx:
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write("FROM busybox AS base\nCOPY app.txt /app.txt\nFROM base AS final\nRUN cat /app.txt > /copy\n")
    with open(os.path.join(ctx, "app.txt"), "w") as f:
        f.write("app\n")
    with open(os.path.join(ctx, ".dockerignore"), "w") as f:
        f.write("*.tmp\n")
    with open(os.path.join(ctx, "junk.tmp"), "w") as f:
        f.write("junk\n")
    image, _ = client.images.build(path=ctx, tag="pyctx:1", labels={"team": "py"}, target="final", nocache=True, rm=True)
    assert image.labels == {"team": "py"}, image.labels
    assert client.containers.run("pyctx:1", ["cat", "/copy"], remove=True) == b"app\n"
    again, logs = client.images.build(path=ctx, tag="pyctx:1", labels={"team": "py"}, target="final")
    logs = list(logs)
    assert again.id == image.id, (again.id, image.id)
    assert sum("Using cache" in l.get("stream", "") for l in logs) == 3, logs

# A failing step raises BuildError carrying the message; nothing is left behind with forcerm.
try:
    client.images.build(fileobj=io.BytesIO(b"FROM busybox\nRUN exit 5\n"), tag="pyfail:1", forcerm=True)
    raise AssertionError("failing build did not raise")
except docker.errors.BuildError as e:
    assert "returned a non-zero code: 5" in str(e), str(e)
left = client.containers.list(all=True)
assert left == [], [(c.image, c.attrs["Config"]["Cmd"], c.status) for c in left]
try:
    client.images.get("pyfail:1")
    raise AssertionError("failed build was tagged")
except docker.errors.ImageNotFound:
    pass

print("docker-py build ok")

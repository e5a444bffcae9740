"""docker-py against berthd: the calls Python users make most. Exits non-zero on the first mismatch."""
import os
import sys

import docker

client = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="auto")
assert client.ping() is True
assert client.version()["ApiVersion"] == "1.41"
assert client.info()["OSType"] == "linux"

# run attached: output comes back, the container is removed
out = client.containers.run("busybox", ["sh", "-c", "echo hello; echo err >&2"], remove=True, stderr=True)
assert b"hello" in out, out

# a failing command raises ContainerError with its exit status
try:
    client.containers.run("busybox", ["sh", "-c", "exit 3"], remove=True)
    raise AssertionError("exit 3 did not raise")
except docker.errors.ContainerError as e:
    assert e.exit_status == 3, e.exit_status

# detached: labels, env, list filters (docker-py sends the list form of filters), logs, stop, wait, remove
c = client.containers.run("busybox", ["sh", "-c", "echo $A; sleep 100"], detach=True, name="pyc", labels={"k": "v"}, environment={"A": "from-py"})
assert c.name == "pyc"
listed = client.containers.list(filters={"label": "k=v"})
assert [x.id for x in listed] == [c.id], listed
c.reload()
assert c.status == "running", c.status
assert c.attrs["Config"]["Labels"]["k"] == "v"
for _ in range(50):
    if b"from-py" in c.logs():
        break
    import time; time.sleep(0.1)
assert c.logs() == b"from-py\n", c.logs()
c.stop(timeout=1)
assert c.wait()["StatusCode"] == 137
c.remove()
try:
    client.containers.get("pyc")
    raise AssertionError("container still there")
except docker.errors.NotFound:
    pass

# images
assert any("busybox:latest" in i.tags for i in client.images.list())
img = client.images.get("busybox")
img.tag("pybox", "1")
assert "pybox:1" in client.images.get("pybox:1").tags
client.images.remove("pybox:1")

# errors map to docker-py's exceptions
try:
    client.containers.get("nosuch")
    raise AssertionError("no NotFound")
except docker.errors.NotFound as e:
    assert "No such container: nosuch" in str(e)
try:
    client.containers.create("busybox", "true", name="bad name")
    raise AssertionError("bad name accepted")
except docker.errors.APIError as e:
    assert e.status_code == 400, e.status_code

print("docker-py session ok")

"""docker-py against berthd and a local registry ($REGISTRY): push with its
progress and aux, remove, pull (same image ID, RepoDigests), the pull
stream's messages, login. Exits non-zero on the first mismatch."""
import os

import docker

client = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="auto")
ref = os.environ["REGISTRY"] + "/py/bb"

lines = list(client.api.push(ref, tag="1", stream=True, decode=True))
assert not [l for l in lines if "error" in l], lines
aux = [l["aux"] for l in lines if "aux" in l]
assert len(aux) == 1 and aux[0]["Tag"] == "1" and aux[0]["Digest"].startswith("sha256:"), lines
assert "Pushed" in {l.get("status") for l in lines}, lines

old_id = client.images.get(ref + ":1").id
client.images.remove(ref + ":1")
img = client.images.pull(ref, tag="1")
assert img.id == old_id, (img.id, old_id)
assert img.attrs["RepoDigests"] == [ref + "@" + aux[0]["Digest"]], img.attrs["RepoDigests"]

pulled = list(client.api.pull(ref, tag="1", stream=True, decode=True))
assert pulled[-1]["status"] == "Status: Image is up to date for " + ref + ":1", pulled

by_digest = client.images.pull(ref, tag=aux[0]["Digest"])
assert by_digest.id == old_id

try:
    client.images.pull(ref, tag="missing")
    raise AssertionError("pulling an unknown tag did not raise")
except docker.errors.NotFound as e:
    assert "manifest unknown" in str(e), e

assert client.login(username="u", password="p", registry=os.environ["REGISTRY"])["Status"] == "Login Succeeded"
print("docker-py registry ok")

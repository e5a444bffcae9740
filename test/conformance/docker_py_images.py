"""docker-py against berthd: archives in and out of containers, export, commit, image save and load.
Exits non-zero on the first mismatch."""
import io
import json
import os
import tarfile

import docker

client = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="auto")


def make_tar(files):
    """A tar of {name: bytes}; names ending in / are directories."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name.rstrip("/"))
            info.mtime = 1_700_000_000
            if name.endswith("/"):
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def read_tar(chunks):
    """{name: bytes or None for non-files} of a tar given as an iterable of chunks."""
    tar = tarfile.open(fileobj=io.BytesIO(b"".join(chunks)), mode="r")
    return {m.name: (tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()}


def check_archive(c, payload):
    """put_archive into /tmp, get_archive of a file and a dir, stat, and the 404 of a missing path."""
    assert c.put_archive("/tmp", make_tar({"in/": b"", "in/hello.txt": payload})) is True
    bits, stat = c.get_archive("/tmp/in/hello.txt")
    assert stat["name"] == "hello.txt" and stat["size"] == len(payload), stat
    assert read_tar(bits) == {"hello.txt": payload}
    bits, stat = c.get_archive("/tmp/in")
    assert stat["mode"] & 0o20000000000, stat  # os.ModeDir
    files = read_tar(bits)
    assert files.get("in/hello.txt") == payload, files
    try:
        c.get_archive("/no/such/path")
        raise AssertionError("missing path did not raise")
    except docker.errors.NotFound:
        pass


# put_archive / get_archive on a running container, then on the stopped one
c = client.containers.run("busybox", ["sleep", "100"], detach=True, name="pyarch")
check_archive(c, b"hello from py\n")
assert c.exec_run(["cat", "/tmp/in/hello.txt"]).output == b"hello from py\n"
c.stop(timeout=0)
check_archive(c, b"stopped payload\n")

# export: the merged root, with the container's own files in it
exported = read_tar(c.export())
assert exported.get("tmp/in/hello.txt") == b"stopped payload\n", sorted(exported)[:20]
assert "bin/sh" in exported or "bin/busybox" in exported, sorted(exported)[:20]

# commit: message, author, changes; the new image runs and holds the file
img = c.commit(repository="pyimg", tag="1", message="py msg", author="py author", changes=['CMD ["cat","/tmp/in/hello.txt"]'])
img.reload()
assert "pyimg:1" in img.tags, img.tags
assert img.attrs["Comment"] == "py msg" and img.attrs["Author"] == "py author", img.attrs
assert img.attrs["Config"]["Cmd"] == ["cat", "/tmp/in/hello.txt"], img.attrs["Config"]
assert client.containers.run("pyimg:1", remove=True) == b"stopped payload\n"
c.remove()

# image.save → images.remove → images.load: same ID and tag back
saved = b"".join(img.save(named=True))
manifest = json.loads(read_tar([saved])["manifest.json"])
assert manifest[0]["RepoTags"] == ["pyimg:1"], manifest
client.images.remove("pyimg:1")
try:
    client.images.get("pyimg:1")
    raise AssertionError("image still there")
except docker.errors.ImageNotFound:
    pass
loaded = client.images.load(saved)
assert [i.id for i in loaded] == [img.id], (loaded, img.id)
assert client.images.get("pyimg:1").id == img.id
assert client.containers.run("pyimg:1", remove=True) == b"stopped payload\n"

# a damaged archive: as with dockerd, a 200 whose stream carries the error, which docker-py raises
try:
    client.images.load(saved[: len(saved) // 3])
    raise AssertionError("truncated archive loaded")
except docker.errors.ImageLoadError as e:
    assert "Error processing tar file" in str(e), e
client.images.remove("pyimg:1")

print("docker-py images ok")

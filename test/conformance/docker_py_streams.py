"""docker-py's stream calls against berthd: attach_socket, exec_run(demux), tty runs, log streams."""
import os
import socket
import time

import docker

client = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="auto")
api = client.api

# exec_run with demux: stdout and stderr apart, with the exit code
c = client.containers.run("busybox", ["sleep", "100"], detach=True, name="pystreams")
code, (out, err) = c.exec_run(["sh", "-c", "echo out; echo err >&2; exit 4"], demux=True)
assert code == 4, code
assert out == b"out\n" and err == b"err\n", (out, err)
code, out = c.exec_run(["sh", "-c", "echo $A $(pwd)"], environment={"A": "1"}, workdir="/tmp")
assert (code, out) == (0, b"1 /tmp\n"), (code, out)
c.remove(force=True)

# attach_socket: what goes in comes back out of cat
c = client.containers.run("busybox", ["cat"], detach=True, stdin_open=True, name="pycat")
sock = api.attach_socket(c.id, params={"stdin": 1, "stdout": 1, "stream": 1})
raw = sock._sock if hasattr(sock, "_sock") else sock
raw.sendall(b"hello attach\n")
raw.settimeout(10)
got = b""
while b"hello attach\n" not in got:
    chunk = raw.recv(4096)
    assert chunk, f"attach socket closed early, got {got!r}"
    got += chunk
raw.close()
c.remove(force=True)

# a tty container: raw output (no frames), \r\n line ends
c = client.containers.run("busybox", ["sh", "-c", "echo tty-out"], tty=True, detach=True)
assert c.wait()["StatusCode"] == 0
assert c.logs() == b"tty-out\r\n", c.logs()
c.remove()

# logs(stream=True, follow=True) yields lines until the container exits
c = client.containers.run("busybox", ["sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.2; done"], detach=True)
lines = b"".join(c.logs(stream=True, follow=True)).splitlines()
assert lines == [b"line1", b"line2", b"line3"], lines
c.remove()

print("docker-py streams ok")

"""docker-py networks against berthd: create/list/get, run with ports and a network, connect/disconnect, remove, prune."""
import os
import socket
import urllib.request

import docker

client = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="auto")

net = client.networks.create("pynet", driver="bridge", labels={"py": "1"},
                             ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet="10.252.3.0/24")]))
assert net.name == "pynet"
assert [n.name for n in client.networks.list(names=["pynet"])] == ["pynet"]
assert client.networks.get(net.id).attrs["IPAM"]["Config"][0]["Subnet"] == "10.252.3.0/24"

s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()

web = client.containers.run("busybox", ["sh", "-c", "mkdir -p /www && echo py > /www/index.html && exec httpd -f -p 80 -h /www"],
                            detach=True, name="pyweb", network="pynet", ports={"80/tcp": ("127.0.0.1", port)})
web.reload()
assert web.attrs["NetworkSettings"]["Ports"]["80/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": str(port)}], web.attrs["NetworkSettings"]["Ports"]
assert web.attrs["NetworkSettings"]["Networks"]["pynet"]["IPAddress"].startswith("10.252.3."), web.attrs["NetworkSettings"]
assert web.ports == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}, web.ports

body = b""
for _ in range(50):
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
        break
    except OSError:
        import time
        time.sleep(0.1)
assert body == b"py\n", body

out = client.containers.run("busybox", ["wget", "-qO-", "http://pyweb/"], network="pynet", remove=True)
assert out == b"py\n", out

other = client.containers.run("busybox", ["sleep", "100"], detach=True, name="pyother")
net.connect(other, aliases=["friend"])
net.reload()
assert sorted(c.name for c in net.containers) == ["pyother", "pyweb"], net.containers
assert client.containers.run("busybox", ["wget", "-qO-", "http://pyweb/"], network="pynet", remove=True) == b"py\n"
net.disconnect(other)

try:
    net.remove()
    raise AssertionError("removing a network in use did not raise")
except docker.errors.APIError as e:
    assert "has active endpoints" in str(e), e

try:
    client.networks.get("nope")
    raise AssertionError("an unknown network did not raise")
except docker.errors.NotFound:
    pass

web.remove(force=True)
other.remove(force=True)
pruned = client.networks.prune(filters={"label": "py=1"})
assert pruned["NetworksDeleted"] == ["pynet"], pruned
print("docker-py networks ok")
